// The write buffer: coalescing, timing, batching, retry with backoff, flush at shutdown — first against a
// scripted store (deterministic, fake timers), then against real PostgreSQL and PGlite, including a real
// outage of the PostgreSQL connection.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ExtensionWrite, StatusStore } from "../../src/domain/ports.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { createPrismaStatusStore } from "../../src/store/prisma-status-store.ts";
import { combinedWriteBuffer, createWriteBuffer } from "../../src/store/write-buffer.ts";
import { agent, contact } from "../helpers/agents.ts";
import { createTestPglite, createTestPostgres, silentLog, type TestDatabase } from "../helpers/databases.ts";
import { startTcpProxy } from "../helpers/tcp-proxy.ts";

/** A store that records calls and can be told to fail or to hold a call until released. */
function scriptedStore() {
  const calls: Array<{ writes: ExtensionWrite[]; at: number }> = [];
  const script = { failuresLeft: 0, hold: null as Promise<void> | null };
  const store: Pick<StatusStore, "writeExtensions"> = {
    async writeExtensions(writes) {
      calls.push({ writes: [...writes], at: Date.now() });
      if (script.hold) await script.hold;
      if (script.failuresLeft > 0) {
        script.failuresLeft -= 1;
        throw new Error("connection refused");
      }
    },
  };
  return { store, calls, script };
}

const write = (extension: string, updatedAt: number, contacts = 1): ExtensionWrite => ({
  extension,
  state: agent(extension, Array.from({ length: contacts }, (_, i) => contact(extension, i + 1)), { updatedAt }),
});

describe("write buffer (scripted store, fake timers)", () => {
  beforeAll(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it("coalesces per extension: 100 writes of one extension store one state, the last", async () => {
    const { store, calls } = scriptedStore();
    const buffer = createWriteBuffer({ store, log: silentLog() });
    for (let i = 0; i < 100; i++) buffer.enqueue(write("1000", i));
    expect(buffer.stats().pending).toBe(1);
    await buffer.flush();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.writes).toEqual([write("1000", 99)]);
    expect(buffer.stats()).toMatchObject({ pending: 0, flushed: 1, failures: 0 });
  });

  it("flushes within flushIntervalMs of the first pending write, not later", async () => {
    const { store, calls } = scriptedStore();
    const flushed: Array<{ extensions: string[]; at: number }> = [];
    const buffer = createWriteBuffer({ store, log: silentLog(), flushIntervalMs: 100, onFlushed: (extensions, at) => flushed.push({ extensions, at }) });
    const start = Date.now();
    buffer.enqueue(write("1000", 1));
    await vi.advanceTimersByTimeAsync(60);
    buffer.enqueue(write("1001", 1)); // does not postpone the flush
    await vi.advanceTimersByTimeAsync(39);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.at - start).toBe(100);
    expect(flushed).toEqual([{ extensions: ["1000", "1001"], at: start + 100 }]);
  });

  it("writes in batches of at most maxBatch, starting at once when a batch is full", async () => {
    const { store, calls } = scriptedStore();
    const buffer = createWriteBuffer({ store, log: silentLog(), maxBatch: 10 });
    const start = Date.now();
    for (let i = 0; i < 25; i++) buffer.enqueue(write(String(1000 + i), 1));
    await vi.advanceTimersByTimeAsync(0);
    // The 10th write started draining without waiting for the interval; the drain takes everything pending.
    expect(calls.map((call) => call.writes.length)).toEqual([10, 10, 5]);
    expect(calls.every((call) => call.at === start)).toBe(true);
    expect(calls.flatMap((call) => call.writes.map((w) => w.extension))).toEqual(Array.from({ length: 25 }, (_, i) => String(1000 + i)));
  });

  it("retries a failed batch with capped exponential backoff until it is stored", async () => {
    const { store, calls, script } = scriptedStore();
    const log = silentLog();
    const buffer = createWriteBuffer({ store, log, retryInitialMs: 100, retryMaxMs: 300 });
    script.failuresLeft = 4;
    const start = Date.now();
    buffer.enqueue(write("1000", 1));
    await vi.advanceTimersByTimeAsync(2_000);
    // first try at the flush interval, then after 100, 200, 300 (capped), 300 ms
    expect(calls.map((call) => call.at - start)).toEqual([100, 200, 400, 700, 1_000]);
    expect(buffer.stats()).toMatchObject({ pending: 0, flushed: 1, failures: 4, lastError: "connection refused" });
    expect(log.entries.filter((entry) => entry.level === "warn")).toHaveLength(4);
  });

  it("puts a failed batch back, but a newer state that arrived meanwhile wins", async () => {
    const { store, calls, script } = scriptedStore();
    const buffer = createWriteBuffer({ store, log: silentLog(), retryInitialMs: 50 });
    let release!: () => void;
    script.hold = new Promise((resolve) => (release = resolve));
    script.failuresLeft = 1;
    buffer.enqueue(write("1000", 1));
    buffer.enqueue(write("1001", 1));
    await vi.advanceTimersByTimeAsync(100); // batch in flight, held
    buffer.enqueue(write("1001", 2)); // newer than the in-flight one
    expect(buffer.stats().pending).toBe(3); // two in flight + one buffered
    script.hold = null;
    release(); // the held call now fails
    await vi.advanceTimersByTimeAsync(50); // its backoff
    await buffer.flush();
    // The failed batch is split: each half is retried on its own.
    expect(calls.map((c) => c.writes)).toEqual([[write("1000", 1), write("1001", 1)], [write("1000", 1)], [write("1001", 2)]]);
    expect(buffer.stats()).toMatchObject({ pending: 0, flushed: 2, failures: 1 });
  });

  it("reports the age of the oldest change not stored (kept while newer states replace it) and whether writes fail", async () => {
    const { store, script } = scriptedStore();
    const buffer = createWriteBuffer({ store, log: silentLog(), retryInitialMs: 1_000, retryMaxMs: 1_000 });
    expect(buffer.stats()).toMatchObject({ oldestPendingAt: null, failing: false });
    script.failuresLeft = Number.POSITIVE_INFINITY;
    const firstAt = Date.now();
    buffer.enqueue(write("1000", 1));
    await vi.advanceTimersByTimeAsync(500); // flushed once, failed, in backoff
    buffer.enqueue(write("1000", 2)); // replaces the unsaved state: the database is still behind since firstAt
    buffer.enqueue(write("1001", 2));
    expect(buffer.stats()).toMatchObject({ oldestPendingAt: firstAt, failing: true, lastError: "connection refused" });
    script.failuresLeft = 0;
    await buffer.flush();
    expect(buffer.stats()).toMatchObject({ pending: 0, oldestPendingAt: null, failing: false });
  });

  it("flush(deadline) retries at once while the database is down, then rejects at the deadline naming what was not stored", async () => {
    const { store, script } = scriptedStore();
    const log = silentLog();
    const buffer = createWriteBuffer({ store, log, retryInitialMs: 1_000, retryMaxMs: 1_000 });
    script.failuresLeft = Number.POSITIVE_INFINITY;
    buffer.enqueue(write("1000", 1));
    buffer.enqueue(write("1001", 1));
    const flushing = buffer.flush(Date.now() + 2_500);
    const outcome = expect(flushing).rejects.toThrow(/2 extension\(s\) not stored: connection refused/);
    await vi.advanceTimersByTimeAsync(2_500);
    await outcome;
    expect(buffer.stats().pending).toBe(2); // still buffered: a later flush may store them
    expect(log.entries.find((entry) => entry.level === "error")?.obj).toMatchObject({ notStored: 2, extensions: expect.arrayContaining(["1000", "1001"]) });

    script.failuresLeft = 0;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(buffer.stats()).toMatchObject({ pending: 0, flushed: 2 });
  });

  it("a row the database refuses is isolated by splitting, never holds back the others, and is dropped once it keeps failing alone", async () => {
    const calls: string[][] = [];
    const store: Pick<StatusStore, "writeExtensions"> = {
      async writeExtensions(writes) {
        calls.push(writes.map((w) => w.extension));
        if (writes.some((w) => w.extension === "1003")) throw new Error("invalid byte sequence for encoding \"UTF8\": 0x00");
      },
    };
    const log = silentLog();
    const buffer = createWriteBuffer({ store, log, retryInitialMs: 10, retryMaxMs: 10, maxSoloFailures: 3 });
    for (let i = 0; i < 8; i++) buffer.enqueue(write(String(1000 + i), 1));
    await vi.advanceTimersByTimeAsync(300);
    // Every other extension is stored before the poisoned one is retried a second time.
    const soloAttempts = calls.flatMap((c, i) => (c.length === 1 && c[0] === "1003" ? [i] : []));
    const storedBeforeSecondSolo = new Set(calls.slice(0, soloAttempts[1]).filter((c) => !c.includes("1003")).flat());
    expect(storedBeforeSecondSolo.size, JSON.stringify(calls)).toBe(7);
    for (let round = 0; round < 4; round++) {
      buffer.enqueue(write(String(2000 + round), 1)); // the database stores others meanwhile
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(buffer.stats()).toMatchObject({ pending: 0, flushed: 11, dropped: 1 });
    expect(log.entries.find((entry) => entry.level === "error")?.obj).toMatchObject({ extension: "1003", attempts: 3 });
  });

  it("a failing onFlushed hook is logged and changes nothing", async () => {
    const { store } = scriptedStore();
    const log = silentLog();
    const buffer = createWriteBuffer({
      store,
      log,
      onFlushed: () => {
        throw new Error("hook bug");
      },
    });
    buffer.enqueue(write("1000", 1));
    await buffer.flush();
    expect(buffer.stats()).toMatchObject({ pending: 0, flushed: 1, failures: 0 });
    expect(log.entries.some((entry) => entry.msg === "onFlushed hook failed")).toBe(true);
  });
});

describe.each([
  ["PostgreSQL", createTestPostgres],
  ["PGlite", createTestPglite],
] as const)("write buffer on %s", (_name, createDatabase) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createDatabase();
  }, 60_000);
  afterAll(() => database?.drop());

  it("stores the last of 100 coalesced states, within the flush interval plus the write", async () => {
    const store = createPrismaStatusStore(database.db.prisma);
    const latencies: number[] = [];
    const enqueuedAt = performance.now();
    const buffer = createWriteBuffer({ store, log: silentLog(), onFlushed: () => latencies.push(performance.now() - enqueuedAt) });
    for (let i = 0; i < 100; i++) buffer.enqueue(write("3000", 1_732_400_000_000 + i, 1 + (i % 3)));
    await vi.waitFor(() => expect(latencies).toHaveLength(1), { timeout: 2_000, interval: 5 });
    expect(latencies[0]).toBeLessThan(1_000); // 100 ms interval + one write; generous for a loaded CI machine

    const stored = (await store.loadByExtensions(["3000"])).get("3000");
    expect(stored?.updatedAt).toBe(1_732_400_000_099);
    expect(stored?.contacts).toHaveLength(1 + (99 % 3));
  });

  it("a value PostgreSQL refuses (NUL) does not stop the other extensions from being stored", async () => {
    const store = createPrismaStatusStore(database.db.prisma);
    const buffer = createWriteBuffer({ store, log: silentLog(), flushIntervalMs: 10, retryInitialMs: 20, retryMaxMs: 50 });
    for (let i = 0; i < 40; i++) {
      const extension = String(32_000 + i);
      const poisoned = i === 17 ? { userAgent: "SIPp\u0000evil" } : {};
      buffer.enqueue({ extension, state: agent(extension, [contact(extension, 1, poisoned)]) });
    }
    await vi.waitFor(async () => expect((await store.loadAll()).filter((a) => a.extension.startsWith("320")).length).toBeGreaterThanOrEqual(39), {
      timeout: 10_000,
      interval: 50,
    });
    expect((await store.loadByExtensions(["32005", "32039"])).size).toBe(2);
  });

  it("drains everything on flush at shutdown", async () => {
    const store = createPrismaStatusStore(database.db.prisma);
    const buffer = createWriteBuffer({ store, log: silentLog(), flushIntervalMs: 60_000, maxBatch: 100 });
    for (let i = 0; i < 250; i++) buffer.enqueue(write(String(31_000 + i), 5));
    await buffer.flush();
    expect(buffer.stats()).toMatchObject({ pending: 0, flushed: 250 });
    expect((await store.loadAll()).filter((a) => a.extension.startsWith("31")).length).toBe(250);
  });
});

describe("write buffer across a real PostgreSQL outage", () => {
  let database: TestDatabase;
  let viaProxy: Database;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;

  beforeAll(async () => {
    database = await createTestPostgres();
    proxy = await startTcpProxy({ host: new URL(database.url!).hostname, port: Number(new URL(database.url!).port || 5432) });
    const url = new URL(database.url!);
    url.port = String(proxy.port);
    viaProxy = await openDatabase({ url: url.href, dataDir: "", migrate: false, log: silentLog(), connectionTimeoutMs: 1_000 });
  }, 60_000);
  afterEach(() => proxy.restore().catch(() => undefined));
  afterAll(async () => {
    await viaProxy?.close();
    await proxy?.close();
    await database?.drop();
  });

  it("keeps the final state while the connection is cut, and stores it once PostgreSQL is reachable again", async () => {
    const store = createPrismaStatusStore(viaProxy.prisma);
    const log = silentLog();
    const buffer = createWriteBuffer({ store, log, flushIntervalMs: 20, retryInitialMs: 50, retryMaxMs: 200 });
    buffer.enqueue(write("4000", 1));
    await buffer.flush();

    await proxy.cut(); // open connections reset, new ones refused
    await expect(store.ping()).rejects.toThrow();
    for (let i = 2; i <= 50; i++) buffer.enqueue(write("4000", i, 2));
    buffer.enqueue({ extension: "4001", state: agent("4001", [contact("4001", 1)]) });
    await vi.waitFor(() => expect(buffer.stats().failures).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 20 });
    expect(buffer.stats().pending).toBe(2);

    await proxy.restore();
    await buffer.flush(Date.now() + 10_000);
    expect(buffer.stats()).toMatchObject({ pending: 0 });
    const direct = createPrismaStatusStore(database.db.prisma); // read past the proxy
    const stored = await direct.loadByExtensions(["4000", "4001"]);
    expect(stored.get("4000")?.updatedAt).toBe(50);
    expect(stored.get("4000")?.contacts).toHaveLength(2);
    expect(stored.get("4001")?.contacts).toHaveLength(1);
    expect(log.entries.some((entry) => entry.level === "warn")).toBe(true);
  }, 30_000);

  it("flush() at shutdown keeps retrying until PostgreSQL comes back before its deadline", async () => {
    const store = createPrismaStatusStore(viaProxy.prisma);
    const buffer = createWriteBuffer({ store, log: silentLog(), flushIntervalMs: 20, retryInitialMs: 50, retryMaxMs: 200 });
    await proxy.cut();
    buffer.enqueue(write("4002", 7));
    setTimeout(() => void proxy.restore(), 700);
    await buffer.flush(Date.now() + 10_000);
    expect((await createPrismaStatusStore(database.db.prisma).loadByExtensions(["4002"])).get("4002")?.updatedAt).toBe(7);
  }, 30_000);
});

describe("combinedWriteBuffer (a cluster: one buffer per PBX)", () => {
  it("sums the buffers' stats, keeps the oldest pending write and the latest error, and flushes them all", async () => {
    const east = scriptedStore();
    const west = scriptedStore();
    west.script.failuresLeft = 1;
    const buffers = [east, west].map(({ store }) => createWriteBuffer({ store, log: silentLog(), flushIntervalMs: 5, retryInitialMs: 5 }));
    const combined = combinedWriteBuffer(buffers);
    buffers[0]!.enqueue(write("1000", 1));
    buffers[1]!.enqueue(write("2000", 1));
    buffers[1]!.enqueue(write("2001", 1));
    expect(combined.stats().pending).toBe(3);
    expect(() => combined.enqueue(write("1001", 1))).toThrow(/PBX's own buffer/);
    await combined.flush(Date.now() + 5_000);
    const stats = combined.stats();
    expect(stats).toMatchObject({ pending: 0, flushed: 3, failures: 1, oldestPendingAt: null, lastError: "connection refused" });
    expect(east.calls.flatMap((call) => call.writes.map((w) => w.extension))).toEqual(["1000"]);
  });
});
