// The cluster's change stream in Redis (ioredis): a Redis Stream of records in the leader's order, a
// fence key holding the current leader epoch, and a snapshot key (the whole state and the stream id it
// is as of) for a follower that fell behind the stream's retained window.
// Every write is a Lua script that first compares the writer's leader epoch with the fence key, so a
// deposed leader's late writes are refused by Redis itself.
import { Redis } from "ioredis";
import type { Log } from "../domain/ports.ts";
import type { ReplicaSnapshot, StreamRecord } from "./replica.ts";

const FENCED_ADD = `
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
local mine = tonumber(ARGV[1])
if mine < current then return redis.error_reply('FENCED: leader epoch ' .. current .. ' is newer than ' .. mine) end
if mine > current then redis.call('SET', KEYS[2], ARGV[1]) end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'le', ARGV[1], 'r', ARGV[3])
if current == 0 then return {id, 1} end
return {id, 0}`;

const CLAIM = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local mine = tonumber(ARGV[1])
if mine < current then return redis.error_reply('FENCED: leader epoch ' .. current .. ' is newer than ' .. mine) end
redis.call('SET', KEYS[1], ARGV[1])
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last == 0 then return '0' end
return last[1][1]`;

const FENCED_SNAPSHOT = `
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) ~= current then return redis.error_reply('FENCED: leader epoch ' .. current) end
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'body', ARGV[3])
return 1`;

type Scripted = Redis & {
  fencedAdd(stream: string, fence: string, epoch: number, maxLen: number, record: string): Promise<[string, number]>;
  claim(fence: string, stream: string, epoch: number): Promise<string>;
  fencedSnapshot(snapshot: string, fence: string, epoch: number, id: string, body: string): Promise<number>;
};

export interface StreamEntry {
  id: string;
  leaderEpoch: number;
  record: StreamRecord;
}

export interface ChangeStreamOptions {
  url: string;
  keyPrefix: string;
  pbx: string;
  maxLen: number;
  log: Log;
}

export class ChangeStream {
  private writer: Scripted;
  private readonly reader: Redis;
  readonly keys: { stream: string; fence: string; snapshot: string };

  constructor(private readonly options: ChangeStreamOptions) {
    const base = `${options.keyPrefix}:${options.pbx}`;
    this.keys = { stream: `${base}:stream`, fence: `${base}:fence`, snapshot: `${base}:snapshot` };
    this.writer = this.newWriter();
    // XREAD BLOCK holds its connection: a second one for reading.
    this.reader = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: retry, enableAutoPipelining: false });
    this.reader.on("error", () => undefined); // reported through status; ioredis reconnects
  }

  /** Both connections are up. */
  get ready(): boolean {
    return this.writer.status === "ready" && this.reader.status === "ready";
  }

  async connect(): Promise<void> {
    await Promise.all([this.writer.connect().catch(() => undefined), this.reader.connect().catch(() => undefined)]);
  }

  /**
   * Appends in call order (one connection, pipelined). Rejects with FENCED once a newer leader claimed the
   * stream; `reset` is true when the fence key was missing (Redis lost its data since this leader claimed it).
   */
  append(leaderEpoch: number, record: StreamRecord): Promise<{ id: string; reset: boolean }> {
    return this.writer.fencedAdd(this.keys.stream, this.keys.fence, leaderEpoch, this.options.maxLen, JSON.stringify(record)).then(([id, reset]) => ({ id, reset: reset === 1 }));
  }

  /** A new leader fences the stream (older leaders' writes are refused from now on); returns the last id. */
  claim(leaderEpoch: number): Promise<string> {
    return this.writer.claim(this.keys.fence, this.keys.stream, leaderEpoch);
  }

  saveSnapshot(leaderEpoch: number, id: string, snapshot: ReplicaSnapshot): Promise<number> {
    return this.writer.fencedSnapshot(this.keys.snapshot, this.keys.fence, leaderEpoch, id, JSON.stringify(snapshot));
  }

  async loadSnapshot(): Promise<{ id: string; snapshot: ReplicaSnapshot } | null> {
    const [id, body] = await this.reader.hmget(this.keys.snapshot, "id", "body");
    if (!id || !body) return null;
    return { id, snapshot: JSON.parse(body) as ReplicaSnapshot };
  }

  /** Entries after `afterId`, waiting up to blockMs for the first; [] when none. */
  async read(afterId: string, count: number, blockMs: number): Promise<StreamEntry[]> {
    const result = await this.reader.xread("COUNT", count, "BLOCK", blockMs, "STREAMS", this.keys.stream, afterId);
    if (!result) return [];
    const entries: StreamEntry[] = [];
    for (const [, items] of result) {
      for (const [id, fields] of items) {
        let leaderEpoch = 0;
        let body: string | null = null;
        for (let i = 0; i + 1 < fields.length; i += 2) {
          if (fields[i] === "le") leaderEpoch = Number(fields[i + 1]);
          else if (fields[i] === "r") body = fields[i + 1]!;
        }
        if (body === null) continue;
        try {
          entries.push({ id, leaderEpoch, record: JSON.parse(body) as StreamRecord });
        } catch {
          this.options.log.warn({ id }, "unreadable stream entry skipped");
        }
      }
    }
    return entries;
  }

  /** Drops what a deposed leader still had queued for Redis and starts a clean writer connection. */
  async resetWriter(): Promise<void> {
    const old = this.writer;
    this.writer = this.newWriter();
    old.disconnect(false);
    await this.writer.connect().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.writer.disconnect(false);
    this.reader.disconnect(false);
  }

  private newWriter(): Scripted {
    // maxRetriesPerRequest null: appends wait (in order) for a reconnect instead of failing one by one;
    // a leader without Redis for CLUSTER_REDIS_GRACE_MS resigns instead.
    const writer = new Redis(this.options.url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: retry }) as Scripted;
    writer.on("error", () => undefined);
    writer.defineCommand("fencedAdd", { numberOfKeys: 2, lua: FENCED_ADD });
    writer.defineCommand("claim", { numberOfKeys: 2, lua: CLAIM });
    writer.defineCommand("fencedSnapshot", { numberOfKeys: 2, lua: FENCED_SNAPSHOT });
    return writer;
  }
}

/** Reconnect quickly (a restarted Redis is back in a second), capped at 1 s. */
function retry(times: number): number {
  return Math.min(50 * times, 1_000);
}

/** Redis stream ids compare as (ms, seq). */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am !== bm ? am - bm : as - bs;
}
