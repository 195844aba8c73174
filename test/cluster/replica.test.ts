// The replica turns the one stream's records (from every PBX's leader) into agent changes itself: two
// replicas fed the same records make the same changes with the same seq; an agent with extensions on two
// PBXs is merged from both; a missing record stops it until a snapshot; a replica started from another's
// snapshot continues exactly alike.
import { describe, expect, it } from "vitest";
import { Replica, type RecordBody, type ReplicaSnapshot, type StreamRecord } from "../../src/cluster/replica.ts";
import type { ChangeEvent } from "../../src/events/status-hub.ts";
import type { AgentState } from "../../src/domain/types.ts";
import { agent, contact } from "../helpers/agents.ts";

const online = (extension: string, pbx: string, overrides: Partial<AgentState> = {}) => agent(extension, [contact(extension, 1)], { pbx, ...overrides });
const offline = (extension: string, pbx: string) => agent(extension, [], { pbx });

function recording(): { replica: Replica; changes: ChangeEvent[]; states: string[] } {
  const changes: ChangeEvent[] = [];
  const states: string[] = [];
  const replica = new Replica({ applyState: (ext, state) => states.push(`${ext}:${state?.status ?? "gone"}`), publishChange: (event) => changes.push(event), publishCompat: () => undefined });
  return { replica, changes, states };
}

const empty: Omit<ReplicaSnapshot, "n"> = { epoch: "e1", seq: 0, states: [], roster: { users: [], endpointNames: [], states: [], agents: [], seq: 0 }, links: {}, leaderEpochs: {} };
let clock = 1_000;
const rec = (n: number, pbx: string, body: RecordBody): StreamRecord => ({ n, pbx, body });
const state = (n: number, pbx: string, value: AgentState) => [rec(n, pbx, { k: "state", ext: value.extension, state: value }), rec(n + 1, pbx, { k: "agent", ext: value.extension, state: value, known: true, ts: ++clock })];
const line = (e: ChangeEvent) => `${e.seq}:${e.extension}:${e.agent.status}:${e.agent.extensions.map((part) => `${part.extension}@${part.pbx}`).join("+")}`;

describe("Replica", () => {
  it("makes the same agent changes, with the same seq, on every replica; merges one user's extensions across PBXs", () => {
    const records: StreamRecord[] = [
      rec(1, "east", { k: "snapshot", snap: empty }),
      rec(2, "east", { k: "dir", users: [{ userId: "u1", name: "Ann", extensions: ["1000", "2000"] }], names: [], ts: ++clock }),
      ...state(3, "east", online("1000", "east")),
      ...state(5, "west", offline("2000", "west")),
      ...state(7, "west", online("2001", "west")),
      ...state(9, "east", offline("1000", "east")),
      ...state(11, "west", online("2000", "west")),
      rec(13, "west", { k: "link", link: { connected: true, synced: true, leader: "b", lastError: null, queueDataAvailable: true, queueDataDetail: null } }),
    ];
    const a = recording();
    const b = recording();
    for (const record of records) {
      expect(a.replica.apply(record)).not.toBe("gap");
      b.replica.apply(record);
    }
    expect(a.changes.map(line)).toEqual(["1:1000:AVAILABLE:1000@east", "2:1000:AVAILABLE:1000@east+2000@west", "3:2001:AVAILABLE:2001@west", "4:1000:OFFLINE:1000@east+2000@west", "5:1000:AVAILABLE:1000@east+2000@west"]);
    expect(b.changes.map(line)).toEqual(a.changes.map(line));
    expect(b.changes.map((c) => c.ts)).toEqual(a.changes.map((c) => c.ts));
    expect(a.changes.every((c) => c.epoch === "e1")).toBe(true);
    expect(a.replica.agentOf("2000")?.name).toBe("Ann");
    expect(a.replica.statesOf("west").map((s) => s.extension).sort()).toEqual(["2000", "2001"]);
    expect(a.replica.links.get("west")?.leader).toBe("b");
    expect(a.replica.pbxStale("east")).toBe(false);
  });

  it("stops at a missing record until a snapshot; a replica started from another's snapshot continues alike", () => {
    const a = recording();
    expect(a.replica.apply(rec(1, "east", { k: "state", ext: "1000", state: null })), "nothing before a snapshot").toBe("gap");
    expect(a.replica.apply(rec(1, "east", { k: "snapshot", snap: empty }))).toBe("snapshot");
    for (const record of state(2, "east", online("1000", "east"))) expect(a.replica.apply(record)).toBe("applied");
    const copy = recording();
    copy.replica.load(a.replica.toSnapshot());
    expect(copy.replica.seq).toBe(1);
    const next = state(4, "west", online("2000", "west", { stale: true }));
    for (const record of next) {
      a.replica.apply(record);
      copy.replica.apply(record);
    }
    expect(copy.changes.map(line)).toEqual(a.changes.slice(1).map(line));
    expect(copy.replica.staleOf("2000")).toBe(true);
    expect(copy.replica.staleOf("1000")).toBe(false);
    // n 6 is missing: nothing is applied until a snapshot.
    expect(a.replica.apply(rec(7, "east", { k: "state", ext: "1000", state: null }))).toBe("gap");
    expect(a.replica.awaitingSnapshot).toBe(true);
    expect(a.replica.apply(rec(8, "east", { k: "state", ext: "1000", state: null }))).toBe("gap");
    expect(a.replica.get("1000")).not.toBeNull();
    expect(a.replica.apply(rec(9, "east", { k: "snapshot", snap: { ...empty, epoch: "e2" } }))).toBe("snapshot");
    expect(a.replica.awaitingSnapshot).toBe(false);
    expect(a.replica.epoch).toBe("e2");
  });

  it("a PBX published whole replaces that PBX's extensions only, with changes only where something shown differs", () => {
    const a = recording();
    a.replica.apply(rec(1, "east", { k: "snapshot", snap: empty }));
    const records = [...state(2, "east", online("1000", "east")), ...state(4, "east", online("1001", "east")), ...state(6, "west", online("2000", "west"))];
    for (const record of records) a.replica.apply(record);
    a.changes.length = 0;
    a.replica.apply(rec(8, "east", { k: "pbx", states: [online("1000", "east"), offline("1002", "east")], ts: ++clock }));
    expect(a.changes.map((c) => `${c.seq}:${c.extension}:${c.removed ? "removed" : c.agent.status}`)).toEqual(["4:1001:removed", "5:1002:OFFLINE"]);
    expect(a.replica.list().map((s) => s.extension).sort()).toEqual(["1000", "1002", "2000"]);
  });
});
