// Agents with several extensions: one agent, merged by priority, per-extension detail kept; the
// roster publishes one ordered change per agent change.
import { describe, expect, it } from "vitest";
import { Directory, groupAgents, mergeAgent, MERGE_PRIORITY, reasonsFor } from "../../src/domain/agent/merge.ts";
import { AgentRoster } from "../../src/domain/agent/roster.ts";
import type { StoredAgent } from "../../src/domain/ports.ts";
import type { AgentStatus } from "../../src/domain/types.ts";
import { agent, contact, member } from "../helpers/agents.ts";

const ALICE = { userId: "a1", name: "Alice", extensions: ["1001", "1011"] };

function ext(extension: string, status: AgentStatus, overrides: Partial<StoredAgent> = {}): StoredAgent {
  const online = status !== "OFFLINE" && status !== "UNREACHABLE";
  const base = agent(extension, online ? [contact(extension, 1)] : [], { status, online, available: status === "AVAILABLE", reasons: status === "AVAILABLE" ? [] : [status === "ON_CALL" ? "ON_CALL" : status === "RINGING" ? "RINGING" : "OFFLINE"] });
  return { ...base, name: null, userId: null, ...overrides };
}

describe("merging an agent's extensions", () => {
  it.each<[AgentStatus, AgentStatus, AgentStatus]>([
    ["RINGING", "AVAILABLE", "RINGING"],
    ["AVAILABLE", "ON_CALL", "ON_CALL"],
    ["ON_HOLD", "AVAILABLE", "ON_HOLD"],
    ["AVAILABLE", "OFFLINE", "AVAILABLE"],
    ["UNREACHABLE", "OFFLINE", "UNREACHABLE"],
    ["OFFLINE", "OFFLINE", "OFFLINE"],
  ])("%s + %s → %s", (a, b, merged) => {
    const view = mergeAgent(ALICE, [ext("1001", a), ext("1011", b)], 0);
    expect(view.status).toBe(merged);
    expect(view.available).toBe(merged === "AVAILABLE");
    expect(view.extensions.map((e) => [e.extension, e.status])).toEqual([["1001", a], ["1011", b]]);
  });

  it("the priority is documented in one list", () => {
    expect(MERGE_PRIORITY).toEqual(["RINGING", "ON_CALL", "BUSY", "ON_HOLD", "AVAILABLE", "UNREACHABLE", "OFFLINE"]);
  });

  it("DND on the softphone holds for the person; presence is the most recent; queues of both", () => {
    const view = mergeAgent(
      ALICE,
      [
        ext("1001", "AVAILABLE", { presence: { state: "away", subtype: null, message: "old", since: 1 }, queues: [{ ...member("support"), wrapUpUntil: null }] }),
        ext("1011", "AVAILABLE", { dnd: true, presence: { state: "available", subtype: null, message: null, since: 2 }, queues: [{ ...member("sales", { paused: true }), wrapUpUntil: null }] }),
      ],
      0,
    );
    expect(view).toMatchObject({ id: "user:a1", extension: "1001", name: "Alice", dnd: true, presence: { state: "available" }, available: false, reasons: ["DND"] });
    expect(view.queues.map((q) => q.queue)).toEqual(["support", "sales"]);
    expect(reasonsFor({ ...view, dnd: false }, "sales", 0)).toEqual(["PAUSED"]);
    expect(reasonsFor({ ...view, dnd: false }, "support", 0)).toEqual([]);
  });

  it("an extension no user claims is its own agent, unchanged", () => {
    const state = ext("1005", "ON_CALL");
    expect(mergeAgent(null, [state], 0)).toEqual({ ...state, id: "ext:1005", extensions: [state] });
  });

  it("groupAgents: one agent per user, main extension first, lone extensions alone", () => {
    const agents = groupAgents([ext("1011", "RINGING"), ext("1005", "AVAILABLE"), ext("1001", "AVAILABLE")], new Directory([ALICE]), 0);
    expect(agents.map((a) => [a.id, a.extension, a.status, a.extensions.map((e) => e.extension)])).toEqual([
      ["user:a1", "1001", "RINGING", ["1001", "1011"]],
      ["ext:1005", "1005", "AVAILABLE", ["1005"]],
    ]);
  });
});

describe("AgentRoster", () => {
  it("one change per agent change, in order; a softphone ringing changes Alice; directory changes regroup", () => {
    const roster = new AgentRoster(() => 0);
    roster.setDirectory(new Directory([ALICE]));
    const first = roster.apply("1001", ext("1001", "AVAILABLE"));
    expect(first).toMatchObject({ seq: 1, extension: "1001", extensions: ["1001"], agent: { id: "user:a1", name: "Alice", status: "AVAILABLE" } });
    const second = roster.apply("1011", ext("1011", "RINGING"));
    expect(second).toMatchObject({ seq: 2, extension: "1001", extensions: ["1001", "1011"], agent: { status: "RINGING", available: false } });
    // Nothing a dashboard shows changed: no change, no seq.
    expect(roster.apply("1011", { ...ext("1011", "RINGING"), updatedAt: 99 })).toBeNull();
    expect(roster.agentOf("1011")?.id).toBe("user:a1");
    // Alice loses her softphone: it becomes an agent of its own.
    const changes = roster.setDirectory(new Directory([{ ...ALICE, extensions: ["1001"] }]));
    expect(changes.map((c) => [c.seq, c.agent.id, c.agent.status, c.removed])).toEqual([
      [3, "user:a1", "AVAILABLE", false],
      [4, "ext:1011", "RINGING", false],
    ]);
    // And back: the lone agent goes (removals first), Alice has two extensions again.
    const regrouped = roster.setDirectory(new Directory([ALICE]));
    expect(regrouped.map((c) => [c.agent.id, c.removed])).toEqual([
      ["ext:1011", true],
      ["user:a1", false],
    ]);
    expect(roster.views().map((v) => v.id)).toEqual(["user:a1"]);
    roster.setDirectory(new Directory([{ ...ALICE, extensions: ["1001"] }]));
    const removed = roster.apply("1011", null);
    expect(removed).toMatchObject({ seq: 9, removed: true, extension: "1011" });
    expect(roster.views().map((v) => v.id)).toEqual(["user:a1"]);
  });

  // Found against the real Asterisk: a user created for two extensions the service already knew
  // left the old `ext:` agents published next to the new user agent (three agents, not one).
  it("a user claiming extensions already known regroups them: one agent, the lone ones removed", () => {
    const roster = new AgentRoster(() => 0);
    roster.apply("1001", ext("1001", "AVAILABLE"));
    roster.apply("1011", ext("1011", "AVAILABLE"));
    roster.apply("1005", ext("1005", "AVAILABLE"));
    expect(roster.views().map((v) => v.id).sort()).toEqual(["ext:1001", "ext:1005", "ext:1011"]);
    const changes = roster.setDirectory(new Directory([ALICE]));
    expect(roster.views().map((v) => v.id).sort()).toEqual(["ext:1005", "user:a1"]);
    // Removals first, so a client keyed by main extension ends with the user's agent under 1001.
    expect(changes.map((c) => [c.agent.id, c.extension, c.removed])).toEqual([
      ["ext:1001", "1001", true],
      ["ext:1011", "1011", true],
      ["user:a1", "1001", false],
    ]);
    expect(changes.map((c) => c.seq)).toEqual([1 + 3, 2 + 3, 3 + 3]);
    expect(roster.agentOf("1011")?.id).toBe("user:a1");
    // And back: the user goes, each extension is its own agent again.
    const back = roster.setDirectory(new Directory([]));
    expect(roster.views().map((v) => v.id).sort()).toEqual(["ext:1001", "ext:1005", "ext:1011"]);
    expect(back.map((c) => [c.agent.id, c.removed])).toEqual([
      ["user:a1", true],
      ["ext:1001", false],
      ["ext:1011", false],
    ]);
  });

  it("a directory reload regroups only the extensions whose user or name changed (the rest keep their view)", () => {
    const roster = new AgentRoster(() => 0);
    const users = Array.from({ length: 2_000 }, (_, i) => ({ userId: `u${i}`, name: `Agent ${i}`, extensions: [String(2000 + i)] }));
    roster.setDirectory(new Directory(users));
    for (let i = 0; i < 2_000; i++) roster.apply(String(2000 + i), ext(String(2000 + i), "AVAILABLE"));
    roster.apply("1005", ext("1005", "AVAILABLE"));
    const untouched = roster.agentOf("2001");
    // One user renamed, one added (claiming the lone 1005), one removed.
    const next = users.filter((u) => u.userId !== "u7").map((u) => (u.userId === "u3" ? { ...u, name: "Renamed" } : u));
    const changes = roster.setDirectory(new Directory([...next, { userId: "new", name: "New", extensions: ["1005"] }]));
    expect(changes.map((c) => [c.agent.id, c.agent.name, c.removed]).sort()).toEqual(
      [
        ["ext:1005", null, true],
        ["user:u7", "Agent 7", true],
        ["ext:2007", null, false],
        ["user:u3", "Renamed", false],
        ["user:new", "New", false],
      ].sort(),
    );
    expect(roster.agentOf("2001")).toBe(untouched);
    expect(roster.views()).toHaveLength(2_001);
  });
});
