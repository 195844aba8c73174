// The PBX model on its own: which events each operation produces, in which order, and the
// "announce a state once" rule that shapes them (as Asterisk's own state caches do).
import { describe, expect, it } from "vitest";
import { contactObjectName } from "../../src/simulator/ami-lists.ts";
import type { LiveEvent } from "../../src/simulator/live-events.ts";
import { PbxModel, type PbxModelOptions } from "../../src/simulator/pbx-model.ts";
import { Random } from "../../src/simulator/random.ts";

function model(options: Partial<PbxModelOptions> = {}): { pbx: PbxModel; clock: { now: number } } {
  const clock = { now: Date.UTC(2026, 10, 23, 23, 0, 0) };
  const pbx = new PbxModel({ agents: 4, firstExtension: 1000, registered: 0, random: new Random(7), now: () => clock.now, channelEvents: false, ...options });
  return { pbx, clock };
}

/** `Name value` per event, with the header that matters for each kind. */
function lines(events: readonly LiveEvent[]): string[] {
  return events.map((e) => {
    const h = Object.fromEntries(e.headers);
    switch (e.name) {
      case "ContactStatus":
        return `ContactStatus ${h.AOR} ${h.ContactStatus}`;
      case "PeerStatus":
        return `PeerStatus ${h.Peer} ${h.PeerStatus}`;
      case "DeviceStateChange":
        return `DeviceStateChange ${h.Device} ${h.State}`;
      case "ExtensionStatus":
        return `ExtensionStatus ${h.Exten} ${h.Status}`;
      default:
        return e.name;
    }
  });
}

describe("PbxModel", () => {
  it("register: NonQualified, PeerStatus, ExtensionStatus, DeviceStateChange, Reachable; a refresh sends nothing", () => {
    const { pbx } = model();
    const agent = pbx.agent("1000");
    expect(lines(pbx.register(agent))).toEqual([
      "ContactStatus 1000 NonQualified",
      "PeerStatus PJSIP/1000 Reachable",
      "ExtensionStatus 1000 0",
      "DeviceStateChange PJSIP/1000 NOT_INUSE",
      "ContactStatus 1000 Reachable",
    ]);
    expect(pbx.register(agent)).toEqual([]);
    expect(agent.bucket).toBe("idle");
  });

  it("a new contact has the lab's URI and Asterisk's contact id; RoundtripUsec 0 unless Reachable", () => {
    const { pbx } = model();
    const [nonQualified, , , , reachable] = pbx.register(pbx.agent("1000"));
    expect(Object.fromEntries(nonQualified?.headers ?? [])).toEqual({ URI: "sip:1000@127.0.0.1:15000", ContactStatus: "NonQualified", AOR: "1000", EndpointName: "1000", RoundtripUsec: 0 });
    expect(Number(Object.fromEntries(reachable?.headers ?? []).RoundtripUsec)).toBeGreaterThan(0);
    expect(pbx.contactEntries()[0]).toMatchObject({ uri: "sip:1000@127.0.0.1:15000", status: "Reachable", viaPort: 15000 });
  });

  it("silence → nothing until the qualify fails → Unreachable group; expiry then sends only Removed", () => {
    const { pbx, clock } = model({ registered: 1, expiresS: 60 });
    const agent = pbx.agent("1000");
    pbx.silence(agent);
    expect(agent.bucket).toBe("silent");
    expect(lines(pbx.qualifyFailed(agent))).toEqual(["PeerStatus PJSIP/1000 Unreachable", "ContactStatus 1000 Unreachable", "ExtensionStatus 1000 4", "DeviceStateChange PJSIP/1000 UNAVAILABLE"]);
    expect(pbx.qualifyFailed(agent)).toEqual([]);
    expect(pbx.contactEntries()[0]).toMatchObject({ status: "Unreachable", roundtripUsec: "N/A" });
    expect(pbx.expiryOf(agent)).toBe(Math.floor(clock.now / 1000) + 60);
    clock.now += 90_000;
    expect(lines(pbx.expire(agent))).toEqual(["ContactStatus 1000 Removed"]);
    expect(agent.bucket).toBe("offline");
  });

  it("answering again: PeerStatus, DeviceStateChange, Reachable, ExtensionStatus", () => {
    const { pbx } = model({ registered: 1 });
    const agent = pbx.agent("1000");
    pbx.silence(agent);
    pbx.qualifyFailed(agent);
    expect(lines(pbx.answerAgain(agent))).toEqual(["PeerStatus PJSIP/1000 Reachable", "DeviceStateChange PJSIP/1000 NOT_INUSE", "ContactStatus 1000 Reachable", "ExtensionStatus 1000 0"]);
    expect(agent.bucket).toBe("idle");
  });

  it("unregister: PeerStatus, DeviceStateChange, ExtensionStatus, Removed; of an Unreachable contact only Removed", () => {
    const { pbx } = model({ registered: 2 });
    expect(lines(pbx.unregister(pbx.agent("1000")))).toEqual(["PeerStatus PJSIP/1000 Unreachable", "DeviceStateChange PJSIP/1000 UNAVAILABLE", "ExtensionStatus 1000 4", "ContactStatus 1000 Removed"]);
    const silent = pbx.agent("1001");
    pbx.silence(silent);
    pbx.qualifyFailed(silent);
    expect(lines(pbx.unregister(silent))).toEqual(["ContactStatus 1001 Removed"]);
    expect(pbx.unregister(silent)).toEqual([]);
  });

  it("a call: callee rings while the caller is in use; answer; hang-up; both free again", () => {
    const { pbx } = model({ registered: 2 });
    const [a, b] = [pbx.agent("1000"), pbx.agent("1001")];
    const { call, events } = pbx.startCall(a, b);
    expect(lines(events)).toEqual(["ExtensionStatus 1001 8", "ExtensionStatus 1000 1", "DeviceStateChange PJSIP/1001 RINGING", "DeviceStateChange PJSIP/1000 INUSE"]);
    expect(pbx.endpointEntries().slice(0, 2).map((e) => [e.deviceState, e.activeChannels])).toEqual([["INUSE", 1], ["RINGING", 1]]);
    expect(lines(pbx.answerCall(call))).toEqual(["ExtensionStatus 1001 1", "DeviceStateChange PJSIP/1001 INUSE"]);
    expect(lines(pbx.hangupCall(call))).toEqual(["ExtensionStatus 1000 0", "ExtensionStatus 1001 0", "DeviceStateChange PJSIP/1000 NOT_INUSE", "DeviceStateChange PJSIP/1001 NOT_INUSE"]);
    expect([a.bucket, b.bucket, pbx.activeCalls, pbx.callsProcessed]).toEqual(["idle", "idle", 0, 1]);
  });

  it("with channel events, a call carries the captured Newchannel…Hangup sequence around the state events", () => {
    const { pbx } = model({ registered: 2, channelEvents: true });
    const { call, events } = pbx.startCall(pbx.agent("1000"), pbx.agent("1001"));
    const all = [...events, ...pbx.answerCall(call), ...pbx.hangupCall(call)].map((e) => e.name);
    expect(all).toEqual([
      "Newchannel", "Newchannel", "NewConnectedLine", "DialBegin", "NewConnectedLine", "Newstate", "DialState",
      "ExtensionStatus", "ExtensionStatus", "DeviceStateChange", "DeviceStateChange",
      "Newstate", "ExtensionStatus", "DialEnd", "Newstate", "DeviceStateChange", "BridgeCreate", "BridgeEnter", "BridgeEnter",
      "HangupRequest", "BridgeLeave", "SoftHangupRequest", "BridgeLeave", "BridgeDestroy", "Hangup", "Hangup",
      "ExtensionStatus", "ExtensionStatus", "DeviceStateChange", "DeviceStateChange",
    ]);
  });

  it("refuses calls to or from agents that cannot take one", () => {
    const { pbx } = model({ registered: 2 });
    expect(() => pbx.startCall(pbx.agent("1000"), pbx.agent("1002"))).toThrow(/1002 is not available \(offline\)/);
    expect(() => pbx.startCall(pbx.agent("1000"), pbx.agent("1000"))).toThrow(/itself/);
    pbx.startCall(pbx.agent("1000"), pbx.agent("1001"));
    pbx.register(pbx.agent("1002"));
    expect(() => pbx.startCall(pbx.agent("1002"), pbx.agent("1001"))).toThrow(/busy/);
    expect(() => pbx.agent("9999")).toThrow(/unknown extension 9999/);
  });

  it("restart: calls dropped silently, contacts kept NonQualified and unavailable; re-qualify without NonQualified", () => {
    const { pbx } = model({ registered: 3 });
    pbx.startCall(pbx.agent("1000"), pbx.agent("1001"));
    pbx.silence(pbx.agent("1002"));
    expect(pbx.restart()).toHaveLength(1);
    expect(pbx.contactEntries().map((c) => [c.endpoint, c.status, c.roundtripUsec])).toEqual([
      ["1000", "NonQualified", "N/A"],
      ["1001", "NonQualified", "N/A"],
      ["1002", "NonQualified", "N/A"],
    ]);
    expect(pbx.deviceEntries().map((d) => d.state)).toEqual(["UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE"]);
    expect(lines(pbx.requalify(pbx.agent("1001")))).toEqual(["ExtensionStatus 1001 0", "DeviceStateChange PJSIP/1001 NOT_INUSE", "PeerStatus PJSIP/1001 Reachable", "ContactStatus 1001 Reachable"]);
    // The silent phone fails its first qualify: only the contact changes (the endpoint was already unavailable).
    expect(lines(pbx.requalify(pbx.agent("1002")))).toEqual(["ContactStatus 1002 Unreachable"]);
  });

  it("reannounce repeats the whole state of reachable agents only", () => {
    const { pbx } = model({ registered: 2 });
    pbx.silence(pbx.agent("1001"));
    pbx.qualifyFailed(pbx.agent("1001"));
    expect(lines(pbx.list().flatMap((a) => pbx.reannounce(a)))).toEqual(["ExtensionStatus 1000 0", "DeviceStateChange PJSIP/1000 NOT_INUSE", "PeerStatus PJSIP/1000 Reachable", "ContactStatus 1000 Reachable"]);
  });

  it("lists contacts by ObjectName like Asterisk, with an expiry that moves forward while the phone refreshes", () => {
    const { pbx, clock } = model({ agents: 30, registered: 30, expiresS: 120 });
    const names = pbx.contactEntries().map((c) => contactObjectName(c.aor, c.uri));
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe("1000;@e8fa77a71c4017dddb7584685f802864");
    const first = pbx.contactEntries()[0]?.expirationTime ?? 0;
    clock.now += 61_000;
    expect((pbx.contactEntries()[0]?.expirationTime ?? 0) - first).toBe(60);
  });

  it("keeps the buckets the driver picks from in step with every change", () => {
    const { pbx } = model({ agents: 5, registered: 3 });
    const sizes = () => ["offline", "idle", "busy", "silent", "pending"].map((b) => pbx.bucket(b as never).size);
    expect(sizes()).toEqual([2, 3, 0, 0, 0]);
    pbx.startCall(pbx.agent("1000"), pbx.agent("1001"));
    pbx.silence(pbx.agent("1002"));
    pbx.register(pbx.agent("1003"));
    expect(sizes()).toEqual([1, 1, 2, 1, 0]);
    pbx.restart();
    expect(sizes()).toEqual([1, 0, 0, 1, 3]);
  });
});
