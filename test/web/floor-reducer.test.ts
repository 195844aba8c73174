// The wallboard's state handling without a browser: 2,000 agents, a burst of deltas handed over in
// one frame, gaps, duplicates, and a new epoch after a service restart.
import { describe, expect, it } from "vitest";
import { StreamPosition } from "../../src/client/stream-position.ts";
import { applyEvents, type FloorData, type FloorEvent } from "../../src/web/lib/floor-reducer.ts";
import { FrameBatcher } from "../../src/web/lib/frame-batcher.ts";

interface A {
  id: string;
  status: string;
  updatedAt: string;
}

const EMPTY: FloorData<A> = { agents: new Map(), epoch: null, lastEventAt: null, statusSince: new Map() };
const agent = (i: number, status = "AVAILABLE"): A => ({ id: `ext:${1000 + i}`, status, updatedAt: "2026-01-01T00:00:00.000Z" });
const snapshot = (epoch: string, seq: number, agents: A[]): FloorEvent<A> => ({ __typename: "AgentsSnapshot", epoch, seq, agents });
const delta = (epoch: string, seq: number, a: A, removed = false): FloorEvent<A> => ({ __typename: "AgentStatusChanged", epoch, seq, agent: a, removed });
const FLOOR = Array.from({ length: 2_000 }, (_, i) => agent(i));

describe("applyEvents", () => {
  it("applies a 2,000-agent snapshot and 5,000 deltas handed over in one frame, last state winning", () => {
    const position = new StreamPosition();
    const deltas = Array.from({ length: 5_000 }, (_, k) => delta("e1", 10 + k + 1, agent(k % 2_000, k % 3 === 0 ? "ON_CALL" : "RINGING")));
    const state = applyEvents(EMPTY, [snapshot("e1", 10, FLOOR), ...deltas], position, 5_000);
    if (state === "resubscribe") throw new Error("unexpected gap");
    expect(state.agents.size).toBe(2_000);
    expect(position.seq).toBe(5_010);
    // agent k's last delta is number k + 4000 (k < 1000) or k + 2000: its status follows that one
    for (const k of [0, 1, 999, 1_000, 1_999]) {
      const last = k < 1_000 ? k + 4_000 : k + 2_000;
      expect(state.agents.get(`ext:${1000 + k}`)?.status, `agent ${k}`).toBe(last % 3 === 0 ? "ON_CALL" : "RINGING");
    }
    expect(state.statusSince.get("ext:1000")).toBe(5_000);
  });

  it("skips duplicates, asks for a resubscription on a gap, and removes removed agents", () => {
    const position = new StreamPosition();
    const first = applyEvents(EMPTY, [snapshot("e1", 3, FLOOR.slice(0, 3)), delta("e1", 4, agent(1, "ON_CALL")), delta("e1", 4, agent(1, "OFFLINE"))], position, 1);
    if (first === "resubscribe") throw new Error("unexpected gap");
    expect(first.agents.get("ext:1001")?.status).toBe("ON_CALL");
    const removed = applyEvents(first, [delta("e1", 5, agent(2), true)], position, 2);
    expect(removed !== "resubscribe" && [...removed.agents.keys()]).toEqual(["ext:1000", "ext:1001"]);
    expect(applyEvents(first, [delta("e1", 9, agent(0))], position, 3)).toBe("resubscribe");
  });

  it("takes a new epoch's snapshot as the whole truth, although its seq is lower", () => {
    const position = new StreamPosition();
    const before = applyEvents(EMPTY, [snapshot("e1", 500, FLOOR.slice(0, 5))], position, 1);
    if (before === "resubscribe") throw new Error("unexpected gap");
    const after = applyEvents(before, [snapshot("e2", 7, [agent(0, "OFFLINE"), agent(9)])], position, 2);
    if (after === "resubscribe") throw new Error("unexpected gap");
    expect(after.epoch).toBe("e2");
    expect([...after.agents.keys()]).toEqual(["ext:1000", "ext:1009"]);
    expect(position.accept({ epoch: "e1", seq: 501 }, false).kind).toBe("gap"); // a late delta of the old stream
  });
});

describe("FrameBatcher", () => {
  it("hands a burst over once per frame", () => {
    const frames: Array<() => void> = [];
    const flushed: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => flushed.push(items), (cb) => frames.push(cb), () => undefined);
    for (let i = 0; i < 2_000; i++) batcher.push(i);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    batcher.push(2_000);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(flushed.map((f) => f.length)).toEqual([2_000, 1]);
  });
});
