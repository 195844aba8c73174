import { describe, expect, it } from "vitest";
import { AvailabilityTracker } from "../../src/domain/tracker.ts";
import type { Contact, DeviceState, Fact } from "../../src/domain/types.ts";

/** A resync that could not read the agent layers (they keep what the tracker knew). */
const NO_LAYERS = { dnd: null, presence: null, queueMembers: null };

const uri = "sip:1000@127.0.0.1:15000";
const contactFact = (status: Contact["status"], extra: Partial<Contact> = {}): Fact => ({
  kind: "contact",
  endpoint: "1000",
  contact: { id: "1000;@e8fa77a71c4017dddb7584685f802864", uri, aor: "1000", status, ...extra },
});
const device = (state: DeviceState): Fact => ({
  kind: "deviceState",
  endpoint: "1000",
  state,
  source: "device",
});

function syncedTracker() {
  let now = 1_000;
  const tracker = new AvailabilityTracker(() => ++now);
  tracker.reconcile({ endpoints: [{ endpoint: "1000", aor: "1000", deviceState: "UNAVAILABLE" }], contacts: [], deviceStates: new Map(), ...NO_LAYERS });
  tracker.setStale(false);
  return tracker;
}

describe("AvailabilityTracker", () => {
  it("register group in any order → AVAILABLE, one status change", () => {
    const tracker = syncedTracker();
    const changes = [contactFact("NonQualified"), { kind: "peerStatus", endpoint: "1000", reachable: true } as Fact, device("NOT_INUSE"), contactFact("Reachable", { roundtripUsec: 510 })]
      .map((fact) => tracker.apply(fact))
      .filter((c) => c !== null);
    expect(changes.filter((c) => c.statusChanged).map((c) => c.state?.status)).toEqual(["AVAILABLE"]);
    expect(tracker.get("1000")).toMatchObject({ status: "AVAILABLE", online: true, available: true, stale: false });
    expect(tracker.get("1000")?.contacts[0]).toMatchObject({ status: "Reachable", roundtripUsec: 510 });
  });

  it("emits nothing when a fact repeats what is known", () => {
    const tracker = syncedTracker();
    tracker.apply(contactFact("Reachable"));
    tracker.apply(device("NOT_INUSE"));
    expect(tracker.apply(device("NOT_INUSE"))).toBeNull();
    expect(tracker.apply(contactFact("Reachable"))).toBeNull();
    expect(tracker.apply({ kind: "peerStatus", endpoint: "1000", reachable: true })).toBeNull();
  });

  it("a contact fact that changes only stored data is a change without a status change", () => {
    const tracker = syncedTracker();
    tracker.apply(contactFact("Reachable", { roundtripUsec: 1 }));
    const change = tracker.apply(contactFact("Reachable", { roundtripUsec: 2 }));
    expect(change).toMatchObject({ statusChanged: false });
  });

  it("call: RINGING → ON_CALL → AVAILABLE; seq increases by one per change", () => {
    const tracker = syncedTracker();
    tracker.apply(contactFact("Reachable"));
    tracker.apply(device("NOT_INUSE"));
    const seqs = ["RINGING", "INUSE", "NOT_INUSE"].map((s) => tracker.apply(device(s as DeviceState))!);
    expect(seqs.map((c) => c.state?.status)).toEqual(["RINGING", "ON_CALL", "AVAILABLE"]);
    expect(seqs[1]!.seq).toBe(seqs[0]!.seq + 1);
    expect(seqs[2]!.seq).toBe(seqs[1]!.seq + 1);
  });

  it("device state wins over hint state; hint state is used when no device state is known", () => {
    const tracker = syncedTracker();
    tracker.apply({ kind: "contact", endpoint: "2000", contact: { id: "2000;@x", uri: "sip:2000@h", aor: "2000", status: "Reachable" } });
    tracker.apply({ kind: "deviceState", endpoint: "2000", state: "INUSE", source: "hint" });
    expect(tracker.get("2000")?.status).toBe("ON_CALL");
    tracker.apply({ kind: "deviceState", endpoint: "2000", state: "NOT_INUSE", source: "device" });
    tracker.apply({ kind: "deviceState", endpoint: "2000", state: "RINGING", source: "hint" });
    expect(tracker.get("2000")?.status).toBe("AVAILABLE");
  });

  it("qualify timeout → UNREACHABLE; unregister → OFFLINE", () => {
    const tracker = syncedTracker();
    tracker.apply(contactFact("Reachable"));
    expect(tracker.apply(contactFact("Unreachable", { roundtripUsec: 0 }))?.state?.status).toBe("UNREACHABLE");
    const removed = tracker.apply({ kind: "contactRemoved", endpoint: "1000", contactId: "1000;@e8fa77a71c4017dddb7584685f802864", uri });
    expect(removed?.state).toMatchObject({ status: "OFFLINE", contacts: [] });
  });

  it("reconcile removes contacts and extensions Asterisk no longer has, keeps the rest", () => {
    const tracker = syncedTracker();
    tracker.apply(contactFact("Reachable"));
    tracker.apply({ kind: "contact", endpoint: "1001", contact: { id: "1001;@y", uri: "sip:1001@h", aor: "1001", status: "Reachable" } });
    const changes = tracker.reconcile({
      endpoints: [{ endpoint: "1000", aor: "1000", deviceState: "NOT_INUSE" }],
      contacts: [],
      deviceStates: new Map([["1000", "NOT_INUSE"]]),
      ...NO_LAYERS,
    });
    expect(tracker.get("1000")).toMatchObject({ status: "OFFLINE", contacts: [] });
    expect(tracker.get("1001")).toBeNull();
    expect(changes.map((c) => [c.extension, c.state?.status ?? null])).toEqual([
      ["1000", "OFFLINE"],
      ["1001", null],
    ]);
  });

  it("reconcile with nothing changed reports nothing", () => {
    const tracker = syncedTracker();
    const snapshot = { endpoints: [{ endpoint: "1000", aor: "1000", deviceState: "UNAVAILABLE" as const }], contacts: [], deviceStates: new Map(), ...NO_LAYERS };
    expect(tracker.reconcile(snapshot)).toEqual([]);
  });

  it("stale: last status kept, available false, a change for every agent (its stale flag moved)", () => {
    const tracker = syncedTracker();
    tracker.apply(contactFact("Reachable"));
    tracker.apply({ kind: "contact", endpoint: "1001", contact: { id: "1001;@y", uri: "sip:1001@h", aor: "1001", status: "Unreachable" } });
    const down = tracker.setStale(true);
    expect(down.map((c) => [c.extension, c.state?.status, c.state?.available, c.state?.stale])).toEqual([
      ["1000", "AVAILABLE", false, true],
      ["1001", "UNREACHABLE", false, true],
    ]);
    expect(down[1]!.seq).toBe(down[0]!.seq + 1);
    expect(tracker.get("1000")).toMatchObject({ status: "AVAILABLE", stale: true, available: false });
    expect(tracker.setStale(true)).toEqual([]);
    expect(tracker.setStale(false).map((c) => c.state?.available)).toEqual([true, false]);
  });

  it("restore serves persisted state as stale until a resync", () => {
    const tracker = new AvailabilityTracker();
    const source = syncedTracker();
    source.apply(contactFact("Reachable"));
    tracker.restore(source.list());
    expect(tracker.get("1000")).toMatchObject({ status: "AVAILABLE", stale: true, available: false });
    expect(tracker.hasSynced).toBe(false);
  });
});

describe("sequence numbers", () => {
  it("advance by one per status change only", () => {
    const tracker = syncedTracker();
    const first = tracker.apply(contactFact("Reachable", { roundtripUsec: 1 }))!;
    const quiet = tracker.apply(contactFact("Reachable", { roundtripUsec: 2 }))!;
    const next = tracker.apply(device("INUSE"))!;
    expect([first.statusChanged, quiet.statusChanged, next.statusChanged]).toEqual([true, false, true]);
    expect(quiet.seq).toBe(first.seq);
    expect(next.seq).toBe(first.seq + 1);
    expect(tracker.lastSeq).toBe(next.seq);
  });
});
