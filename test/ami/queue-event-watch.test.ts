// Noticing a missing AMI read class `agent`: app_queue's pause device arrives, its QueueMemberPause never does.
import { afterEach, describe, expect, it, vi } from "vitest";
import { MISSING_AGENT_CLASS, QueueEventWatch } from "../../src/ami/queue-event-watch.ts";
import type { Fact } from "../../src/domain/types.ts";
import { member } from "../helpers/agents.ts";

const pause: Fact = { kind: "queuePause", endpoint: "1000", queue: "support", paused: true };

function setup() {
  vi.useFakeTimers();
  const delivered: Fact[] = [];
  const warnings: string[] = [];
  const watch = new QueueEventWatch((f) => delivered.push(f), (d) => warnings.push(d), () => Date.now(), 2_000);
  return { watch, delivered, warnings };
}

afterEach(() => vi.useRealTimers());

describe("QueueEventWatch", () => {
  it("with class agent: the member event follows, the pause device is dropped, queue data stays available", () => {
    const { watch, delivered, warnings } = setup();
    expect(watch.admit(pause)).toBe(false);
    expect(watch.admit({ kind: "queueMember", endpoint: "1000", member: member("support", { paused: true, pausedReason: "Lunch" }) })).toBe(true);
    vi.advanceTimersByTime(5_000);
    expect(delivered).toEqual([]);
    expect(warnings).toEqual([]);
    expect(watch.status()).toEqual({ available: true, detail: null });
  });

  it("without it: after the grace period the held pause is delivered and the status says why", () => {
    const { watch, delivered, warnings } = setup();
    watch.admit(pause);
    vi.advanceTimersByTime(1_999);
    expect(delivered).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(delivered).toEqual([pause]);
    expect(warnings).toEqual([MISSING_AGENT_CLASS]);
    expect(watch.status()).toEqual({ available: false, detail: MISSING_AGENT_CLASS });
    // From then on pause devices pass at once.
    expect(watch.admit({ ...pause, paused: false })).toBe(true);
    // A member event later proves the class is back.
    watch.admit({ kind: "queueMemberRemoved", endpoint: "1000", queue: "support" });
    expect(watch.status().available).toBe(true);
  });

  it("a refused QueueStatus says so until a resync reads it", () => {
    const { watch } = setup();
    watch.queueStatusResult("AMI QueueStatus failed: Invalid/unknown command");
    expect(watch.status()).toEqual({ available: false, detail: "QueueStatus failed: AMI QueueStatus failed: Invalid/unknown command" });
    watch.queueStatusResult(null);
    expect(watch.status().available).toBe(true);
  });
});
