// Leadership and fencing against the real engines: the PostgreSQL advisory lock elects one instance per
// PBX and moves on when the holder's session dies or goes silent; a write under an older epoch is
// refused by the database and leaves nothing; an append under an older epoch is refused by Redis.
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeStream, type StreamWriter } from "../../src/cluster/change-stream.ts";
import { PgLeaderLock } from "../../src/store/pg-leader-lock.ts";
import { FencedWriteError, PrismaStatusStore, type WriteFence } from "../../src/store/prisma-status-store.ts";
import { agent, contact } from "../helpers/agents.ts";
import { createTestPostgres, silentLog, type TestDatabase } from "../helpers/databases.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

describe("leadership through PostgreSQL", () => {
  let database: TestDatabase;
  const locks: PgLeaderLock[] = [];
  beforeAll(async () => {
    database = await createTestPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const lock of locks) await lock.stop();
    await database?.drop();
  });

  function lock(name: string, events: string[], leaseMs = 3_000, pbx = "pbx-1", canLead: () => boolean = () => true): PgLeaderLock {
    const created = new PgLeaderLock({
      url: database.url!,
      pbx,
      instanceId: name,
      leaseMs,
      pollMs: 100,
      connectTimeoutMs: 2_000,
      log: silentLog(),
      canLead,
      onElected: (epoch) => void events.push(`${name} elected ${epoch}`),
      onDeposed: (reason) => void events.push(`${name} deposed: ${reason}`),
    });
    locks.push(created);
    return created;
  }

  it("elects one of two, then the other when the leader's session is terminated, with a higher epoch; the old epoch's writes are refused and write nothing", async () => {
    const events: string[] = [];
    // a's process "dies" with its session: it must not win the lock back before b (a live a could).
    let aAlive = true;
    const a = lock("a", events, 3_000, "pbx-1", () => aAlive);
    const b = lock("b", events);
    a.start();
    await waitFor(() => a.isLeader, { timeoutMs: 5_000, message: "a elected" });
    b.start();
    await sleep(400);
    expect(b.isLeader).toBe(false);
    const firstEpoch = a.epoch!;

    // The leader's session dies (as with kill -9): PostgreSQL releases the lock, b takes over.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    aAlive = false;
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE '%leader-lock a'");
    await admin.end();
    // Generous: this checks who leads and the epoch; the 5 s take-over promise is measured in test/faults/cluster.test.ts.
    await waitFor(() => b.isLeader, { timeoutMs: 10_000, message: "b elected" }).catch((e) => { throw new Error(`${e.message}; events: ${events.join("; ")}`); });
    expect(b.epoch).toBe(firstEpoch + 1);
    await waitFor(() => !a.isLeader, { timeoutMs: 10_000, message: "a deposed" });
    expect(events.filter((e) => e.startsWith("a deposed"))).toHaveLength(1);

    // A write under a's epoch: refused by cluster_fence, nothing stored. Under b's: stored.
    const fenceOf = (epoch: number): WriteFence => ({ pbx: "pbx-1", epoch });
    const old = new PrismaStatusStore(database.db.prisma, undefined, () => fenceOf(firstEpoch));
    await expect(old.writeExtensions([{ extension: "3000", state: agent("3000", [contact("3000", 1)]) }])).rejects.toBeInstanceOf(FencedWriteError);
    expect(events.join("; ")).not.toMatch(/b deposed/);
    const current = new PrismaStatusStore(database.db.prisma, undefined, () => fenceOf(b.epoch!));
    expect(await current.loadAll()).toEqual([]);
    await current.writeExtensions([{ extension: "3001", state: agent("3001", [contact("3001", 1)]) }]);
    expect((await current.loadAll()).map((a) => a.extension)).toEqual(["3001"]);
    // A deposed instance's store drops its writes without a round trip.
    const deposed = new PrismaStatusStore(database.db.prisma, undefined, () => "deposed");
    await deposed.writeExtensions([{ extension: "3002", state: agent("3002", []) }]);
    expect(deposed.fencedWrites).toBe(1);
    expect((await current.loadAll()).map((a) => a.extension)).toEqual(["3001"]);
  });

  it("a leader that stops renewing (frozen) loses the lock after the lease: the server ends its session", async () => {
    const events: string[] = [];
    const frozen = lock("frozen", events, 1_000, "pbx-2");
    frozen.start();
    await waitFor(() => frozen.isLeader, { timeoutMs: 5_000, message: "elected" });
    // Freeze: stop its renewals (what SIGSTOP does to the whole process).
    (frozen as unknown as { stopped: boolean; timer: NodeJS.Timeout }).stopped = true;
    clearTimeout((frozen as unknown as { timer: NodeJS.Timeout }).timer);
    const started = Date.now();
    const other = lock("other", events, 1_000, "pbx-2");
    other.start();
    await waitFor(() => other.isLeader, { timeoutMs: 5_000, message: "the other elected after the lease" });
    const ms = Date.now() - started;
    expect(ms).toBeGreaterThanOrEqual(800);
    expect(ms).toBeLessThan(3_000);
  });
});

describe("the Redis stream's fence (one stream, a fence per PBX)", () => {
  const prefix = `test-fence-${process.pid}-${Date.now()}`;
  let stream: ChangeStream;
  const writers: StreamWriter[] = [];
  beforeAll(async () => {
    stream = new ChangeStream({ url: REDIS_URL, keyPrefix: prefix, maxLen: 1_000, log: silentLog() });
    await stream.connect();
  });
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    for (const writer of writers) writer.close();
    await stream.close();
  });
  const writer = async (pbx: string) => {
    const created = stream.writer(pbx);
    writers.push(created);
    await created.open();
    return created;
  };
  const snapshot = (epoch: string) => ({ epoch, seq: 0, states: [], roster: { users: [], endpointNames: [], states: [], agents: [], seq: 0 }, links: {}, leaderEpochs: {} });

  it("numbers every PBX's appends in one order, refuses an older leader of a PBX (not the other PBX's), and an append before the stream's start", async () => {
    const east = await writer("east");
    const west = await writer("west");
    await expect(east.append(1, { k: "state", ext: "1000", state: null }), "no start yet: a new or emptied Redis").rejects.toThrow(/^RESET/);
    expect(await east.start(1, snapshot("e1"))).toBe(true);
    expect(await west.start(1, snapshot("e2")), "started once").toBe(false);
    await east.append(1, { k: "state", ext: "1000", state: null });
    const last = await west.append(1, { k: "state", ext: "2000", state: null });
    expect(await east.claim(2)).toBe(last);
    await expect(east.append(1, { k: "state", ext: "1001", state: null })).rejects.toThrow(/^FENCED/);
    await expect(east.claim(1)).rejects.toThrow(/FENCED/);
    // West's fence is its own: its leader of epoch 1 still appends.
    await west.append(1, { k: "state", ext: "2001", state: null });
    await east.append(2, { k: "state", ext: "1002", state: null });
    const entries = await stream.read("0", 10, 10);
    expect(entries.map((e) => [e.record.n, e.record.pbx, e.leaderEpoch, e.record.body.k === "state" ? e.record.body.ext : e.record.body.k])).toEqual([
      [1, "east", 1, "snapshot"],
      [2, "east", 1, "1000"],
      [3, "west", 1, "2000"],
      [4, "west", 1, "2001"],
      [5, "east", 2, "1002"],
    ]);
    // A saved snapshot must be of the current stream and newer than the saved one.
    expect(await east.saveSnapshot(entries[2]!.id, { ...snapshot("e1"), n: 3 })).toBe(true);
    expect(await east.saveSnapshot(entries[1]!.id, { ...snapshot("e1"), n: 2 })).toBe(false);
    expect(await east.saveSnapshot(entries[4]!.id, { ...snapshot("old"), n: 5 })).toBe(false);
    expect((await stream.loadSnapshot())?.snapshot.n).toBe(3);
    // Forced (nobody could continue the stream): a new start over the old one, numbering from 1 again.
    expect(await west.start(1, snapshot("e3"), "e0"), "forced, but the start is no longer the stream it replaces").toBe(false);
    expect(await west.start(1, snapshot("e3"), "e1")).toBe(true);
    expect(await stream.loadSnapshot(), "the old stream's saved snapshot is gone").toBeNull();
    await west.append(1, { k: "state", ext: "2002", state: null });
    const after = await stream.read(entries[4]!.id, 10, 10);
    expect(after.map((e) => [e.record.n, e.record.body.k])).toEqual([
      [1, "snapshot"],
      [2, "state"],
    ]);
  });
});
