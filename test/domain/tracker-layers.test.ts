// The tracker with presence, DND, queues and the wrap-up clock: facts in, state and changes out.
import { describe, expect, it } from "vitest";
import { AvailabilityTracker } from "../../src/domain/tracker.ts";
import type { AsteriskSnapshot, Fact } from "../../src/domain/types.ts";
import { member } from "../helpers/agents.ts";
import { normalize } from "../../src/ami/normalize.ts";
import { captureMessages } from "../helpers/ami-frames.ts";

const reachable = (endpoint: string): Fact => ({
  kind: "contact",
  endpoint,
  contact: { id: `${endpoint};@x`, uri: `sip:${endpoint}@127.0.0.1`, aor: endpoint, status: "Reachable", qualifyFrequency: 5 },
});

function setup(wrapUpSeconds = 5) {
  const clock = { now: 1_796_001_000_000 };
  const tracker = new AvailabilityTracker(() => clock.now, { wrapUpSeconds: () => wrapUpSeconds, sharedLastCall: true });
  const empty: AsteriskSnapshot = { endpoints: [{ endpoint: "1000", aor: "1000", deviceState: "NOT_INUSE" }], contacts: [], deviceStates: new Map(), dnd: new Map(), presence: new Map(), queueMembers: [] };
  tracker.reconcile(empty);
  tracker.setStale(false);
  tracker.apply(reachable("1000"));
  return { clock, tracker };
}

describe("AvailabilityTracker: agent layers", () => {
  it("DND from the toggle device, then off; presence away with subtype and message", () => {
    const { tracker, clock } = setup();
    expect(tracker.get("1000")).toMatchObject({ status: "AVAILABLE", available: true, reasons: [], dnd: false });
    const on = tracker.apply({ kind: "dnd", endpoint: "1000", on: true });
    expect(on).toMatchObject({ statusChanged: true, state: { status: "AVAILABLE", available: false, reasons: ["DND"], dnd: true } });
    tracker.apply({ kind: "dnd", endpoint: "1000", on: false });
    clock.now += 1000;
    const away = tracker.apply({ kind: "presence", endpoint: "1000", presence: { state: "away", subtype: "lunch", message: "Back at 2 pm" } });
    expect(away?.state).toMatchObject({ reasons: ["AWAY"], presence: { state: "away", subtype: "lunch", message: "Back at 2 pm", since: clock.now } });
    // The same presence again (PresenceStateChange for every `presencestate change`) is no change.
    clock.now += 1000;
    expect(tracker.apply({ kind: "presence", endpoint: "1000", presence: { state: "away", subtype: "lunch", message: "Back at 2 pm" } })).toBeNull();
  });

  it("presence dnd alone is DND", () => {
    const { tracker } = setup();
    expect(tracker.apply({ kind: "presence", endpoint: "1000", presence: { state: "dnd", subtype: null, message: null } })?.state).toMatchObject({ dnd: true, reasons: ["DND"] });
  });

  it("queue pause with a reason, unpause clears it; paused in every queue counts without a queue", () => {
    const { tracker } = setup();
    tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support") });
    const paused = tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support", { paused: true, pausedReason: "Lunch", pausedSince: 1_796_000_402_000 }) });
    expect(paused?.state).toMatchObject({ available: false, reasons: ["PAUSED"], queues: [{ queue: "support", paused: true, pausedReason: "Lunch", pausedSince: 1_796_000_402_000 }] });
    tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("sales") });
    expect(tracker.get("1000")).toMatchObject({ available: true, reasons: [] });
    tracker.apply({ kind: "queueMemberRemoved", endpoint: "1000", queue: "sales" });
    expect(tracker.get("1000")?.reasons).toEqual(["PAUSED"]);
  });

  it("a pause device (no read class agent) pauses a known member without a reason", () => {
    const { tracker } = setup();
    tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support") });
    expect(tracker.apply({ kind: "queuePause", endpoint: "1000", queue: "support", paused: true })?.state).toMatchObject({ reasons: ["PAUSED"], queues: [{ paused: true, pausedReason: null }] });
    // Unknown membership: nothing invented.
    expect(tracker.apply({ kind: "queuePause", endpoint: "1000", queue: "sales", paused: true })).toBeNull();
  });

  it("wrap-up: starts with LastCall, ends by the clock alone (tick at nextWakeAt)", () => {
    const { tracker, clock } = setup(5);
    tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support") });
    const hangUpSecond = Math.floor(clock.now / 1000) * 1000;
    const started = tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support", { callsTaken: 1, lastCall: hangUpSecond }) });
    expect(started?.state).toMatchObject({ available: false, reasons: ["WRAP_UP"], queues: [{ wrapUpUntil: hangUpSecond + 5000 }] });
    expect(tracker.nextWakeAt()).toBe(hangUpSecond + 5000);
    clock.now = hangUpSecond + 4999;
    expect(tracker.tick()).toEqual([]);
    clock.now = hangUpSecond + 5000;
    const [ended] = tracker.tick();
    expect(ended).toMatchObject({ extension: "1000", statusChanged: true, state: { available: true, reasons: [] } });
    expect(ended!.seq).toBe(started!.seq + 1);
    expect(tracker.nextWakeAt()).toBeNull();
    expect(tracker.tick()).toEqual([]);
  });

  // Found against the real Asterisk: at a queue call's end app_queue sends AgentComplete, then the
  // phone's DeviceStateChange NOT_INUSE, then the QueueMemberStatus with the new LastCall. Read alone,
  // the last two made the member AVAILABLE (a delta, available true) for a few ms between ON_CALL
  // and WRAP_UP: a transfer dialog could offer them. AgentComplete now starts the wrap-up.
  it("a queue call's end (real event order): ON_CALL, then WRAP_UP, never available in between (Asterisk 22 capture)", () => {
    const replay = (keep: (event: string) => boolean) => {
      const { tracker, clock } = setup(5);
      tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support") });
      clock.now = 1_796_001_222_987; // the capture's hang-up (AgentComplete at 01:13:42.987)
      const history: string[] = [];
      for (const raw of captureMessages("queue-call-wrapup")) {
        if (!keep(String(raw.event))) continue;
        const result = normalize(raw);
        if (result.kind !== "facts") continue;
        for (const fact of result.facts) {
          if (fact.endpoint !== "1000") continue;
          const change = tracker.apply(fact);
          if (change?.state) history.push(`${change.state.status}${change.state.available ? "" : `[${change.state.reasons.join(",")}]`}`);
          if (fact.kind === "queueMember" && fact.member.callsTaken === 1) return { history: history.filter((h, i) => h !== history[i - 1]), tracker };
        }
      }
      throw new Error("the capture has no QueueMemberStatus after the call");
    };
    const { history, tracker } = replay(() => true);
    // The wrap-up starts while the phone is still in use (a few ms): ON_CALL with WRAP_UP.
    expect(history).toEqual(["RINGING[RINGING]", "ON_CALL[ON_CALL]", "ON_CALL[ON_CALL,WRAP_UP]", "AVAILABLE[WRAP_UP]"]);
    expect(tracker.get("1000")?.queues[0]).toMatchObject({ callsTaken: 1, lastCall: 1_796_001_222_000, wrapUpUntil: 1_796_001_227_000 });
    // Without AgentComplete (what the service read before): the member flashed available.
    expect(replay((event) => event !== "AgentComplete").history).toEqual(["RINGING[RINGING]", "ON_CALL[ON_CALL]", "AVAILABLE", "AVAILABLE[WRAP_UP]"]);
  });

  it("AgentComplete of an unknown membership invents nothing; Asterisk's own LastCall wins", () => {
    const { tracker, clock } = setup(5);
    expect(tracker.apply({ kind: "queueCallEnded", endpoint: "1000", queue: "support" })).toBeNull();
    tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support") });
    clock.now = 1_796_001_222_999;
    expect(tracker.apply({ kind: "queueCallEnded", endpoint: "1000", queue: "support" })?.state).toMatchObject({ reasons: ["WRAP_UP"], queues: [{ lastCall: 1_796_001_222_000, callsTaken: 1, wrapUpUntil: 1_796_001_227_000 }] });
    // Asterisk's second was the next one (a boundary between its time() and ours): its value wins.
    const corrected = tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support", { callsTaken: 1, lastCall: 1_796_001_223_000 }) });
    expect(corrected?.state?.queues[0]).toMatchObject({ lastCall: 1_796_001_223_000, wrapUpUntil: 1_796_001_228_000 });
  });

  it("layer facts before the endpoint is known apply when it appears", () => {
    const { tracker } = setup();
    expect(tracker.apply({ kind: "dnd", endpoint: "1001", on: true })).toBeNull();
    expect(tracker.get("1001")).toBeNull();
    tracker.apply(reachable("1001"));
    expect(tracker.get("1001")).toMatchObject({ dnd: true, reasons: ["DND"] });
  });

  it("a resync replaces every layer it could read and keeps those it could not", () => {
    const { tracker } = setup();
    tracker.apply({ kind: "dnd", endpoint: "1000", on: true });
    tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support", { paused: true }) });
    const base = { endpoints: [{ endpoint: "1000", aor: "1000", deviceState: "NOT_INUSE" as const }], contacts: [{ endpoint: "1000", contact: { ...(reachable("1000") as Extract<Fact, { kind: "contact" }>).contact, roundtripUsec: null, userAgent: null, expirationTime: null, viaAddr: null, viaPort: null, regServer: null, callId: null, qualifyFrequency: 5, qualifyTimeout: 3 } }], deviceStates: new Map() };
    // QueueStatus refused, DeviceStateList read: DND goes, the pause stays.
    tracker.reconcile({ ...base, dnd: new Map(), presence: null, queueMembers: null });
    expect(tracker.get("1000")).toMatchObject({ dnd: false, reasons: ["PAUSED"] });
    tracker.reconcile({ ...base, dnd: null, presence: new Map([["1000", { state: "xa", subtype: null, message: null }]]), queueMembers: [] });
    expect(tracker.get("1000")).toMatchObject({ reasons: ["EXTENDED_AWAY"], queues: [] });
  });

  it("restore keeps the layers, served stale", () => {
    const { tracker } = setup();
    tracker.apply({ kind: "dnd", endpoint: "1000", on: true });
    tracker.apply({ kind: "queueMember", endpoint: "1000", member: member("support", { paused: true, pausedReason: "Lunch" }) });
    const restored = new AvailabilityTracker(() => 1, { wrapUpSeconds: () => 5, sharedLastCall: false });
    restored.restore(tracker.list());
    expect(restored.get("1000")).toMatchObject({ stale: true, dnd: true, reasons: ["DND", "PAUSED", "STALE"], queues: [{ pausedReason: "Lunch" }] });
  });
});
