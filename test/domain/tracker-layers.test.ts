// The tracker with presence, DND, queues and the wrap-up clock: facts in, state and changes out.
import { describe, expect, it } from "vitest";
import { AvailabilityTracker } from "../../src/domain/tracker.ts";
import type { AsteriskSnapshot, Fact } from "../../src/domain/types.ts";
import { member } from "../helpers/agents.ts";

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
