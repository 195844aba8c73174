// The service between the tracker and its outlets: changes made together (one slice of AMI messages,
// one synchronous run) are stored and published once per extension, with the final state; changes made
// apart one by one; a stored-only change is stored, not published; the compatibility kinds are built
// only when someone follows them (and then one per event).
import { describe, expect, it } from "vitest";
import { AvailabilityTracker } from "../../src/domain/tracker.ts";
import { AgentRoster } from "../../src/domain/agent/roster.ts";
import { AvailabilityService } from "../../src/service/availability-service.ts";
import type { ChangeEvent, CompatEventModel } from "../../src/events/status-hub.ts";
import type { ExtensionWrite, Log } from "../../src/domain/ports.ts";
import type { Fact } from "../../src/domain/types.ts";

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

function setup(compatWanted = false) {
  const published: ChangeEvent[] = [];
  const compat: CompatEventModel[] = [];
  const writes: ExtensionWrite[] = [];
  const tracker = new AvailabilityTracker();
  const hub = { publishChange: (e: ChangeEvent) => published.push(e), publishCompat: (e: CompatEventModel) => compat.push(e), compatWanted };
  const service = new AvailabilityService(tracker, new AgentRoster(), { enqueue: (w) => writes.push(w) }, { applyState: () => undefined }, hub, quiet);
  service.onConnectionChange(true);
  service.onSnapshot({ endpoints: ["1001", "1002"].map((endpoint) => ({ endpoint, aor: endpoint, deviceState: "UNAVAILABLE" as const })), contacts: [], deviceStates: new Map(), dnd: new Map(), presence: new Map(), queueMembers: [] });
  published.length = 0;
  compat.length = 0;
  writes.length = 0;
  return { service, published, compat, writes };
}

const register = (endpoint: string): Fact => ({ kind: "contact", endpoint, contact: { id: `${endpoint};@a`, uri: `sip:${endpoint}@127.0.0.1:5061`, aor: endpoint, status: "Reachable" } });
const dnd = (endpoint: string, on: boolean): Fact => ({ kind: "dnd", endpoint, on });
const idle = (endpoint: string): Fact => ({ kind: "deviceState", endpoint, state: "NOT_INUSE", source: "device" });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("AvailabilityService", () => {
  it("publishes one change per extension for the facts of one run, with the final state, at its end", async () => {
    const { service, published, writes } = setup();
    service.onFact(dnd("1001", true));
    service.onFact(register("1001"));
    service.onFact(idle("1001"));
    service.onFact(register("1002"));
    expect(published).toEqual([]); // not before the run ends
    expect(writes).toEqual([]);
    await nextTurn();
    // Stored once per extension too, with its state at the end of the run.
    expect(writes.map((w) => [w.extension, w.state?.status, w.state?.dnd])).toEqual([
      ["1001", "AVAILABLE", true],
      ["1002", "AVAILABLE", false],
    ]);
    expect(published.map((c) => [c.extension, c.agent.status, c.agent.dnd])).toEqual([
      ["1001", "AVAILABLE", true],
      ["1002", "AVAILABLE", false],
    ]);
    // Gap-free: one sequence number per published change.
    expect(published[1]!.seq).toBe(published[0]!.seq + 1);
    expect(published[0]!.previous).toMatchObject({ status: "OFFLINE" });
  });

  it("publishes facts of separate runs one by one, in order", async () => {
    const { service, published } = setup();
    service.onFact(register("1001"));
    await nextTurn();
    service.onFact(idle("1001"));
    await nextTurn();
    service.onFact(dnd("1001", true));
    await nextTurn();
    expect(published.map((c) => [c.agent.status, c.agent.dnd])).toEqual([
      ["AVAILABLE", false],
      ["AVAILABLE", true],
    ]);
  });

  it("stores a change dashboards do not see without publishing it", async () => {
    const { service, published, writes } = setup();
    service.onFact(register("1001"));
    await nextTurn();
    published.length = 0;
    writes.length = 0;
    service.onFact({ kind: "contact", endpoint: "1001", contact: { id: "1001;@a", uri: "sip:1001@127.0.0.1:5061", aor: "1001", status: "Reachable", roundtripUsec: 4321 } });
    await nextTurn();
    expect(writes.map((w) => w.state?.contacts[0]?.roundtripUsec)).toEqual([4321]);
    expect(published).toEqual([]);
  });

  it("publishes nothing when the run's facts come back to the published state", async () => {
    const { service, published } = setup();
    service.onFact(register("1001"));
    await nextTurn();
    service.onFact(dnd("1001", true));
    service.onFact(dnd("1001", false));
    await nextTurn();
    expect(published.map((c) => c.agent.dnd)).toEqual([false]);
  });

  it("publishes what waits before a resync's changes, so that they come in order", async () => {
    const { service, published } = setup();
    service.onFact(register("1001"));
    service.onSnapshot({ endpoints: [{ endpoint: "1001", aor: "1001", deviceState: "INUSE" }], contacts: [], deviceStates: new Map(), dnd: new Map(), presence: new Map(), queueMembers: [] });
    // The REGISTER's change first, then the resync's: 1001 without its contact, 1002 gone.
    expect(published.map((c) => [c.extension, c.agent.status, c.removed])).toEqual([
      ["1001", "AVAILABLE", false],
      ["1001", "OFFLINE", false],
      ["1002", "OFFLINE", true],
    ]);
    expect(published.map((c) => c.seq)).toEqual(published.map((_, i) => published[0]!.seq + i));
    await nextTurn();
    expect(published).toHaveLength(3); // nothing published twice
  });

  it("builds the compatibility kinds only while someone follows them", async () => {
    const off = setup(false);
    off.service.onFact(register("1001"));
    await nextTurn();
    expect(off.compat).toEqual([]);
    const on = setup(true);
    on.service.onFact(register("1001"));
    await nextTurn();
    expect(on.compat.map((e) => e.type)).toEqual(["extension:contactStatus", "extension:availability_changed"]);
  });
});
