// The reload behind the requests: a request waits for the store at most the read deadline, while the
// reload itself may take longer (a busy database) and still lands; a reload that fails keeps the names
// already cached; warm() loads the list before the first request (fake timers decide, not the machine).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentReader, type LiveState } from "../../src/cache/agent-reader.ts";
import { StatusCache } from "../../src/cache/status-cache.ts";
import type { StatusStore, StoredAgent } from "../../src/domain/ports.ts";
import { agent, contact, crmFieldsOf } from "../helpers/agents.ts";
import { silentLog } from "../helpers/databases.ts";

function setup() {
  const state = agent("1000", [contact("1000", 1)]);
  const live: LiveState = { get: (e) => (e === "1000" ? state : null), list: () => [state], extensions: () => ["1000"], isStale: false, hasSynced: true };
  const script = { delayMs: 0, fail: false, name: "Alice", reads: 0 };
  const store: StatusStore = {
    writeExtensions: async () => {},
    loadAll: async () => {
      script.reads++;
      const { delayMs, fail, name } = script;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fail) throw new Error("connection reset");
      return [{ ...state, name, userId: null } satisfies StoredAgent];
    },
    loadCrmFields: async () => crmFieldsOf(await store.loadAll()),
    loadByExtensions: async () => new Map(),
    loadDirectory: async () => [],
    loadEndpointNames: async () => new Map(),
    ping: async () => {},
  };
  const log = silentLog();
  const reader = new AgentReader(store, new StatusCache(5_000, () => Date.now()), live, log, 300, 5_000);
  return { reader, script, log };
}

/** `promise` once the fake clock has moved on a little (the store answers on a timer). */
async function settled<T>(promise: Promise<T>): Promise<T> {
  await vi.advanceTimersByTimeAsync(10);
  return promise;
}

describe("AgentReader reloads", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("a request waits at most the read deadline; the slow reload still lands and the next request has its names", async () => {
    const { reader, script } = setup();
    script.delayMs = 1_000; // a busy database: slower than a request may wait, within the reload's deadline
    let answered: Array<StoredAgent | null> | null = null;
    void reader.loadMany(["1000"]).then((agents) => (answered = agents));
    await vi.advanceTimersByTimeAsync(300);
    expect(answered).toMatchObject([{ extension: "1000", status: "AVAILABLE", name: null }]);
    await vi.advanceTimersByTimeAsync(700);
    expect((await settled(reader.loadMany(["1000"])))[0]?.name).toBe("Alice");
    expect(script.reads).toBe(1);
  });

  it("a failed reload keeps the cached names for another TTL instead of dropping them", async () => {
    const { reader, script, log } = setup();
    expect((await settled(reader.loadAll())).map((a) => a.name)).toEqual(["Alice"]);
    await vi.advanceTimersByTimeAsync(6_000); // past the TTL
    script.fail = true;
    expect((await settled(reader.loadAll())).map((a) => a.name)).toEqual(["Alice"]); // answered from the expired list
    await vi.advanceTimersByTimeAsync(10);
    expect(log.entries.some((e) => e.msg === "store reload failed; keeping the cached list until the next attempt")).toBe(true);
    expect((await settled(reader.loadMany(["1000"])))[0]?.name).toBe("Alice");
    expect(script.reads).toBe(2); // kept valid: no reload per request while the store is failing
    await vi.advanceTimersByTimeAsync(5_000);
    script.fail = false;
    script.name = "Alice B.";
    await settled(reader.loadAll()); // the next attempt, a TTL later
    await vi.advanceTimersByTimeAsync(10);
    expect((await settled(reader.loadAll())).map((a) => a.name)).toEqual(["Alice B."]);
  });

  it("warm() loads the list, so the first request does not go to the store", async () => {
    const { reader, script } = setup();
    reader.warm();
    await vi.advanceTimersByTimeAsync(10);
    expect(script.reads).toBe(1);
    expect((await settled(reader.loadMany(["1000"])))[0]?.name).toBe("Alice");
    reader.warm(); // still valid: nothing to do
    expect(script.reads).toBe(1);
  });

  it("once synced a reload reads only the CRM fields; before, every stored agent (what is served then)", async () => {
    const state = agent("1000", [contact("1000", 1)]);
    const calls = { all: 0, crm: 0 };
    const stored: StoredAgent = { ...state, status: "OFFLINE", name: "Alice", userId: "u1" };
    const store: StatusStore = {
      writeExtensions: async () => {},
      loadAll: async () => (calls.all++, [stored]),
      loadCrmFields: async () => (calls.crm++, crmFieldsOf([stored])),
      loadByExtensions: async () => new Map(),
      loadDirectory: async () => [],
      loadEndpointNames: async () => new Map(),
      ping: async () => {},
    };
    const live = { synced: false };
    const state$: LiveState = {
      get: (e) => (live.synced && e === "1000" ? state : null),
      list: () => (live.synced ? [state] : []),
      extensions: () => (live.synced ? ["1000"] : []),
      isStale: false,
      get hasSynced() {
        return live.synced;
      },
    };
    const reader = new AgentReader(store, new StatusCache(5_000, () => Date.now()), state$, silentLog(), 300, 5_000);
    expect(await settled(reader.loadMany(["1000"]))).toMatchObject([{ status: "OFFLINE", name: "Alice" }]); // the stored state
    expect(calls).toEqual({ all: 1, crm: 0 });
    live.synced = true;
    await vi.advanceTimersByTimeAsync(6_000); // past the TTL: the next read reloads behind it
    await settled(reader.loadMany(["1000"]));
    expect(calls).toEqual({ all: 1, crm: 1 });
    expect(await settled(reader.loadMany(["1000"]))).toMatchObject([{ status: "AVAILABLE", name: "Alice", userId: "u1" }]); // live status, stored name
  });
});
