// A list past its TTL answers at once while the reload runs behind it (stale-while-revalidate): no
// request waits for the periodic reload. Statuses come from the live state; CRM names from the reload.
import { describe, expect, it } from "vitest";
import { AgentReader, type LiveState } from "../../src/cache/agent-reader.ts";
import { StatusCache } from "../../src/cache/status-cache.ts";
import type { StatusStore, StoredAgent } from "../../src/domain/ports.ts";
import { agent, contact, crmFieldsOf } from "../helpers/agents.ts";
import { silentLog } from "../helpers/databases.ts";

function storeWith(names: Map<string, string>) {
  const reads: Array<() => void> = [];
  const state = agent("1000", [contact("1000", 1)]);
  const stored = (): StoredAgent[] => [{ ...state, name: names.get("1000") ?? null, userId: null }];
  let gate: Promise<void> = Promise.resolve();
  const store: StatusStore = {
    writeExtensions: async () => {},
    loadAll: async () => {
      await gate;
      return stored();
    },
    loadCrmFields: async () => crmFieldsOf(await store.loadAll()),
    loadByExtensions: async () => new Map(stored().map((a) => [a.extension, a])),
    loadDirectory: async () => [],
    loadEndpointNames: async () => new Map(),
    ping: async () => {},
  };
  /** Holds the next loadAll until the returned release() is called. */
  const hold = () => {
    let release!: () => void;
    gate = new Promise<void>((resolve) => (release = resolve));
    reads.push(release);
    return release;
  };
  return { store, state, hold };
}

describe("AgentReader past the TTL", () => {
  it("answers from the expired list at once, reloads behind it, and the next read has the reloaded names", async () => {
    const names = new Map([["1000", "Alice"]]);
    const { store, state, hold } = storeWith(names);
    let now = 0;
    const live: LiveState = { get: (e) => (e === "1000" ? state : null), list: () => [state], extensions: () => ["1000"], isStale: false, hasSynced: true };
    const reader = new AgentReader(store, new StatusCache(5_000, () => now), live, silentLog(), 300);
    expect((await reader.loadAll()).map((a) => a.name)).toEqual(["Alice"]); // first read waits: nothing cached

    now = 6_000; // TTL over; the store's answer is held
    names.set("1000", "Alice B.");
    const release = hold();
    let answered: StoredAgent[] | null = null;
    void reader.loadAll().then((agents) => (answered = agents));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered!.map((a) => a.name)).toEqual(["Alice"]); // did not wait for the held reload
    expect((await reader.loadMany(["1000"]))[0]?.name).toBe("Alice");

    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await reader.loadAll()).map((a) => a.name)).toEqual(["Alice B."]);
  });

  it("waits for the store when the list was never complete (nothing to answer from)", async () => {
    const { store, state, hold } = storeWith(new Map([["1000", "Alice"]]));
    const live: LiveState = { get: (e) => (e === "1000" ? state : null), list: () => [state], extensions: () => ["1000"], isStale: false, hasSynced: true };
    const reader = new AgentReader(store, new StatusCache(5_000, () => 0), live, silentLog(), 300);
    const release = hold();
    let answered: StoredAgent[] | null = null;
    void reader.loadAll().then((agents) => (answered = agents));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBeNull();
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answered!.map((a) => a.name)).toEqual(["Alice"]);
  });

  it("merges a large reload in slices, giving other work turns in between (a query, an AMI slice)", async () => {
    const states = Array.from({ length: 1_000 }, (_, i) => agent(String(2000 + i), [contact(String(2000 + i), 1)]));
    const byExtension = new Map(states.map((s) => [s.extension, s]));
    const store: StatusStore = {
      writeExtensions: async () => {},
      loadAll: async () => states.map((s) => ({ ...s, name: `Agent ${s.extension}`, userId: null })),
      loadCrmFields: async () => crmFieldsOf(await store.loadAll()),
      loadByExtensions: async () => new Map(),
      loadDirectory: async () => [],
      loadEndpointNames: async () => new Map(),
      ping: async () => {},
    };
    const live: LiveState = { get: (e) => byExtension.get(e) ?? null, list: () => states, extensions: () => byExtension.keys(), isStale: false, hasSynced: true };
    const reader = new AgentReader(store, new StatusCache(5_000, () => 0), live, silentLog(), 300);
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const agents = await reader.loadAll();
    counting = false;
    expect(agents).toHaveLength(1_000);
    expect(agents[999]!.name).toBe("Agent 2999");
    expect(turns).toBeGreaterThanOrEqual(3); // 1,000 agents, 250 per turn
  });
});
