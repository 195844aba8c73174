// The replica applies the stream's records strictly in order: a missing record stops it until a snapshot.
import { describe, expect, it } from "vitest";
import { Replica, type ReplicaSnapshot } from "../../src/cluster/replica.ts";
import type { ChangeEvent } from "../../src/events/status-hub.ts";
import { agent, contact } from "../helpers/agents.ts";

const view = (extension: string, status: "AVAILABLE" | "OFFLINE") => {
  const state = { ...agent(extension, status === "AVAILABLE" ? [contact(extension, 1)] : [], { status }), name: null, userId: null };
  return { ...state, id: `ext:${extension}`, extensions: [state] };
};
const change = (seq: number, extension: string, status: "AVAILABLE" | "OFFLINE", removed = false): ChangeEvent => ({
  kind: "change",
  seq,
  extension,
  extensions: [extension],
  agent: view(extension, status),
  removed,
  previous: null,
  ts: 0,
});
const snapshot = (n: number, seq: number): ReplicaSnapshot => ({ epoch: "e1", seq, n, stale: false, link: null, states: [agent("1000", [])], views: [view("1000", "OFFLINE")] });

describe("Replica", () => {
  it("applies records in order, ignores duplicates, and stops at a gap until a snapshot", () => {
    const replica = new Replica();
    expect(replica.apply({ n: 1, k: "state", ext: "1000", state: null }), "nothing before a snapshot").toBe("gap");
    expect(replica.apply({ n: 5, k: "snapshot", snap: snapshot(5, 10) })).toBe("snapshot");
    expect(replica.awaitingSnapshot).toBe(false);
    expect(replica.agentOf("1000")?.status).toBe("OFFLINE");
    expect(replica.apply({ n: 6, k: "state", ext: "1001", state: agent("1001", [contact("1001", 1)]) })).toBe("applied");
    expect(replica.apply({ n: 7, k: "change", ev: change(11, "1001", "AVAILABLE") })).toBe("applied");
    expect(replica.seq).toBe(11);
    expect(replica.apply({ n: 7, k: "change", ev: change(11, "1001", "AVAILABLE") })).toBe("duplicate");
    expect(replica.agentViews().map((v) => v.extension).sort()).toEqual(["1000", "1001"]);
    expect(replica.apply({ n: 8, k: "change", ev: change(12, "1000", "OFFLINE", true) })).toBe("applied");
    expect(replica.agentOf("1000")).toBeNull();
    // n 9 is missing: everything is refused until a snapshot.
    expect(replica.apply({ n: 10, k: "change", ev: change(14, "1001", "OFFLINE") })).toBe("gap");
    expect(replica.awaitingSnapshot).toBe(true);
    expect(replica.apply({ n: 11, k: "state", ext: "1001", state: null })).toBe("gap");
    expect(replica.seq).toBe(12);
    expect(replica.apply({ n: 11, k: "snapshot", snap: snapshot(11, 15) })).toBe("snapshot");
    expect(replica.awaitingSnapshot).toBe(false);
    expect(replica.apply({ n: 12, k: "change", ev: change(16, "1002", "AVAILABLE") })).toBe("applied");
    expect(replica.toSnapshot()).toMatchObject({ epoch: "e1", seq: 16, n: 12 });
  });
});
