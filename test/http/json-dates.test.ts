// The REST answers' dates: a resync's answer, made without a replacer, is byte for byte the generic form
// (every numeric ts / …At field at any depth as ISO), for agents of every shape a resync reports.
import { describe, expect, it } from "vitest";
import { AvailabilityTracker } from "../../src/domain/tracker.ts";
import { AgentRoster } from "../../src/domain/agent/roster.ts";
import { Directory } from "../../src/domain/agent/merge.ts";
import { AvailabilityService } from "../../src/service/availability-service.ts";
import { jsonWithDates, resyncJson } from "../../src/http/json-dates.ts";
import type { Log } from "../../src/domain/ports.ts";
import type { AsteriskSnapshot } from "../../src/domain/types.ts";

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

function snapshot(extensions: string[], registered: string[]): AsteriskSnapshot {
  return {
    endpoints: extensions.map((endpoint) => ({ endpoint, aor: endpoint, deviceState: "NOT_INUSE" as const })),
    contacts: registered.map((endpoint) => ({
      endpoint,
      contact: { id: `${endpoint};@x`, uri: `sip:${endpoint}@10.0.0.1:5060`, aor: endpoint, status: "Reachable" as const, roundtripUsec: 900, userAgent: "Yealink", expirationTime: 1_700_000_000, viaAddr: "10.0.0.1", viaPort: 5060, regServer: null, callId: "c", qualifyFrequency: 60, qualifyTimeout: 3 },
    })),
    deviceStates: new Map(),
    dnd: new Map([["1002", true]]),
    presence: new Map([["1003", { state: "away" as const, subtype: "lunch", message: "back at 2" }]]),
    queueMembers: [
      { endpoint: "1001", member: { queue: "support", name: "Ann", interface: "PJSIP/1001", paused: true, pausedReason: "Lunch", pausedSince: 1_700_000_000_000, inCall: false, callsTaken: 3, lastCall: 1_700_000_100_000, wrapUpSeconds: null } },
    ],
  };
}

describe("REST JSON dates", () => {
  it("a resync's answer made without a replacer equals the generic form, for lone, merged and removed agents", () => {
    let now = 1_700_000_000_123;
    const service = new AvailabilityService(
      new AvailabilityTracker(() => now),
      new AgentRoster(() => now),
      { enqueue: () => undefined },
      { applyState: () => undefined },
      { publishChange: () => undefined, publishCompat: () => undefined, compatWanted: false },
      quiet,
      () => now,
    );
    service.onConnectionChange(true);
    service.setDirectory(new Directory([{ userId: "u-1", name: "Ann", extensions: ["1001", "1004"] }]));
    service.onSnapshot(snapshot(["1001", "1002", "1003", "1004", "1005"], ["1001", "1003"]));
    now += 5_000;
    service.onSnapshot(snapshot(["1001", "1002", "1004"], ["1004"])); // 1003 and 1005 gone, 1001 unregistered
    const result = service.lastResync!;
    expect(result.changed.some((c) => c.removed)).toBe(true);
    expect(result.changed.some((c) => c.agent.extensions.length > 1)).toBe(true);
    const fast = resyncJson(result);
    expect(fast).toBe(jsonWithDates(result));
    expect(JSON.parse(fast).changed[0].agent.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
