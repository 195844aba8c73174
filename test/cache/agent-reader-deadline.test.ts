// A stalled database must not stall the read path: a store read that does not answer within the
// deadline is abandoned and the live state answers (fake timers: the deadline, not the machine, decides).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentReader, type LiveState } from "../../src/cache/agent-reader.ts";
import { StatusCache } from "../../src/cache/status-cache.ts";
import type { StatusStore } from "../../src/domain/ports.ts";
import { agent, contact } from "../helpers/agents.ts";
import { silentLog } from "../helpers/databases.ts";

const never = () => new Promise<never>(() => {});
const stalledStore: StatusStore = {
  writeExtensions: never,
  loadAll: never,
  loadCrmFields: never,
  loadByExtensions: never,
  loadDirectory: never,
  loadEndpointNames: never,
  ping: never,
};

describe("AgentReader with a stalled store", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("answers from the live state once the read deadline has passed, and says why in the log", async () => {
    const state = agent("1000", [contact("1000", 1)]);
    const live: LiveState = { get: (e) => (e === "1000" ? state : null), list: () => [state], extensions: () => ["1000"], isStale: false, hasSynced: true };
    const log = silentLog();
    const reader = new AgentReader(stalledStore, new StatusCache(5_000), live, log, 300);
    let answered: unknown = null;
    void reader.loadMany(["1000"]).then((agents) => (answered = agents));
    await vi.advanceTimersByTimeAsync(299);
    expect(answered).toBeNull(); // still waiting for the store within its deadline
    await vi.advanceTimersByTimeAsync(1);
    expect(answered).toMatchObject([{ extension: "1000", status: "AVAILABLE", name: null }]);
    expect(log.entries.some((entry) => entry.msg === "store read failed; serving live state without CRM data" && JSON.stringify(entry.obj).includes("no answer within 300 ms"))).toBe(true);
  });
});
