// The normalizer and the snapshot builder against the DND/presence and queue captures of a real Asterisk 22.
import { describe, expect, it } from "vitest";
import { memberExtension, namePattern } from "../../src/ami/agent-events.ts";
import { createNormalizer, normalize } from "../../src/ami/normalize.ts";
import { buildSnapshot } from "../../src/ami/snapshot-builder.ts";
import type { AmiEvent } from "../../src/ami/ami-messages.ts";
import type { Fact } from "../../src/domain/types.ts";
import { captureMessages, type AmiRaw } from "../helpers/ami-frames.ts";

function facts(capture: string): Fact[] {
  return captureMessages(capture).flatMap((raw) => {
    const result = normalize(raw);
    return result.kind === "facts" ? result.facts : [];
  });
}

/** The item events answering one action of a `*-actions` capture, as the AMI client hands them over. */
function listItems(capture: string, actionId: string): AmiEvent[] {
  return captureMessages(capture)
    .filter((raw: AmiRaw) => raw.actionid === actionId && typeof raw.event === "string")
    .map((raw) => ({ name: String(raw.event), fields: raw }) as AmiEvent);
}

describe("dnd-presence", () => {
  it("DND on/off from Custom:DND1000, presence dnd / away with subtype and message / available", () => {
    const layer = facts("dnd-presence").filter((f) => f.kind === "dnd" || f.kind === "presence");
    expect(layer).toEqual([
      { kind: "dnd", endpoint: "1000", on: true },
      { kind: "presence", endpoint: "1000", presence: { state: "dnd", subtype: null, message: null } },
      { kind: "presence", endpoint: "1000", presence: { state: "away", subtype: "lunch", message: "Back at 2 pm" } },
      { kind: "presence", endpoint: "1000", presence: { state: "available", subtype: null, message: null } },
      { kind: "dnd", endpoint: "1000", on: false },
      { kind: "presence", endpoint: "1000", presence: { state: "available", subtype: null, message: null } },
    ]);
  });

  it("the FreePBX hint's ExtensionStatus (PJSIP/1000&Custom:DND1000) gives no phone state; the unregister still comes as device and contact", () => {
    const all = facts("dnd-presence");
    expect(all.some((f) => f.kind === "deviceState" && f.source === "hint")).toBe(false);
    expect(all.slice(-3).map((f) => f.kind)).toEqual(["deviceState", "peerStatus", "contactRemoved"]);
  });

  it("resync lists: PresenceStateList and DeviceStateList's DND toggle", () => {
    const { snapshot, malformed } = buildSnapshot({
      endpoints: [],
      contacts: [],
      deviceStates: listItems("dnd-presence-actions", "cap-4"),
      presence: listItems("dnd-presence-actions", "cap-3"),
      queues: null,
    });
    expect(malformed).toEqual([]);
    expect(snapshot.presence).toEqual(new Map([["1000", { state: "away", subtype: "lunch", message: "Back at 2 pm" }]]));
    expect(snapshot.dnd).toEqual(new Map([["1000", true]]));
    expect(snapshot.deviceStates.get("1000")).toBe("NOT_INUSE");
    expect([...snapshot.deviceStates.keys()].every((k) => /^\d+$/.test(k))).toBe(true); // no Queue:* or Custom:*
    expect(snapshot.queueMembers).toBeNull();
  });

  it("another naming: DND and presence devices are settings", () => {
    const readers = createNormalizer({ dndDevice: "Custom:DoNotDisturb-{ext}", presenceProvider: "CustomPresence:agent{ext}" });
    const dnd = readers.normalize({ event: "DeviceStateChange", device: "Custom:DoNotDisturb-2001", state: "BUSY" });
    expect(dnd).toMatchObject({ kind: "facts", facts: [{ kind: "dnd", endpoint: "2001", on: true }] });
    expect(readers.normalize({ event: "DeviceStateChange", device: "Custom:DND2001", state: "BUSY" }).kind).toBe("ignored");
    expect(readers.normalize({ event: "PresenceStateChange", presentity: "CustomPresence:agent2001", status: "xa" })).toMatchObject({ kind: "facts", facts: [{ kind: "presence", endpoint: "2001" }] });
    expect(namePattern("Custom:DND{ext}")("custom:dnd1000")).toBe("1000");
  });
});

describe("queue-member", () => {
  it("added, added paused, paused with a reason, unpaused (empty reason), removed x2; pause devices too", () => {
    const queue = facts("queue-member").filter((f) => f.kind.startsWith("queue"));
    expect(queue.map((f) => (f.kind === "queueMember" ? [f.kind, f.endpoint, f.member.queue, f.member.paused, f.member.pausedReason] : f.kind === "queuePause" ? [f.kind, f.endpoint, f.queue, f.paused] : f.kind === "queueMemberRemoved" ? [f.kind, f.endpoint, f.queue] : [f.kind]))).toEqual([
      ["queuePause", "1000", "support", false],
      ["queueMember", "1000", "support", false, null],
      ["queuePause", "1001", "support", true],
      ["queueMember", "1001", "support", true, null],
      ["queuePause", "1000", "support", true],
      ["queueMember", "1000", "support", true, "Lunch"],
      ["queuePause", "1000", "support", false],
      ["queueMember", "1000", "support", false, null],
      ["queueMemberRemoved", "1000", "support"],
      ["queueMemberRemoved", "1001", "support"],
      ["queuePause", "1001", "support", false],
    ]);
    const paused = queue.find((f) => f.kind === "queueMember" && f.member.pausedReason === "Lunch");
    expect(paused).toMatchObject({ member: { name: "Lab 1000", interface: "PJSIP/1000", pausedSince: 1_796_000_402_000, callsTaken: 0, lastCall: null, wrapUpSeconds: null } });
  });

  it("QueueStatus at resync: members with Name/Location and the pause reason", () => {
    const { snapshot, malformed } = buildSnapshot({ endpoints: [], contacts: [], deviceStates: null, queues: listItems("queue-member-actions", "cap-1") });
    expect(malformed).toEqual([]);
    expect(snapshot.queueMembers?.map(({ endpoint, member }) => [endpoint, member.queue, member.name, member.paused, member.pausedReason])).toEqual([
      ["1001", "support", "Lab 1001", true, null],
      ["1000", "support", "Lab 1000", true, "Lunch"],
    ]);
  });
});

describe("queue-call-wrapup", () => {
  it("QueueMemberStatus after the hang-up carries CallsTaken and LastCall (whole seconds)", () => {
    const statuses = facts("queue-call-wrapup").filter((f): f is Extract<Fact, { kind: "queueMember" }> => f.kind === "queueMember");
    const afterCall = statuses.find((f) => f.member.callsTaken === 1);
    expect(afterCall?.member).toMatchObject({ queue: "support", lastCall: 1_796_001_222_000, inCall: false });
  });

  it("QueueStatus during the wrap-up says nothing about it but LastCall", () => {
    const { snapshot } = buildSnapshot({ endpoints: [], contacts: [], deviceStates: null, queues: listItems("queue-call-wrapup-actions", "cap-1") });
    expect(snapshot.queueMembers?.[0]?.member).toMatchObject({ callsTaken: 1, paused: false });
    expect(snapshot.queueMembers?.[0]?.member.lastCall).toBeGreaterThan(0);
  });
});

describe("member interfaces", () => {
  it.each([
    ["PJSIP/1000", null, "1000"],
    ["Local/1000@from-queue/n", "hint:1000@ext-local", "1000"],
    ["Local/1000@from-queue/n", null, "1000"],
    ["SIP/1000", "PJSIP/1000", "1000"],
    ["SIP/1000", null, null],
  ])("%s (state %s) → %s", (iface, state, extension) => {
    expect(memberExtension(iface, state)).toBe(extension);
  });
});
