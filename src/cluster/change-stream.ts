// The cluster's change stream in Redis (ioredis): ONE Redis Stream that the leaders of every PBX append to,
// a head hash (the stream's epoch and its record count `n`), a fence key per PBX holding that PBX's
// current leader epoch, and a snapshot key (the whole state and the stream id it is as of) for a reader
// that fell behind the stream's retained window.
// Every append is a Lua script: it compares the writer's leader epoch with its PBX's fence (a deposed
// leader's late writes are refused by Redis itself) and numbers the record from the head, so the
// stream's order is the cluster's one order and a missing record is a visible gap in `n`.
import { Redis } from "ioredis";
import type { Log } from "../domain/ports.ts";
import type { RecordBody, ReplicaSnapshot, StreamRecord } from "./replica.ts";

const FENCE_CHECK = `
local current = tonumber(redis.call('GET', KEYS[3]) or '0')
local mine = tonumber(ARGV[1])
if mine < current then return redis.error_reply('FENCED: leader epoch ' .. current .. ' is newer than ' .. mine) end`;

// KEYS: stream, head, fence. ARGV: leader epoch, maxlen, pbx, body.
const FENCED_ADD = `${FENCE_CHECK}
if redis.call('HEXISTS', KEYS[2], 'epoch') == 0 then return redis.error_reply('RESET: the stream has no start (a new or emptied Redis)') end
if mine > current then redis.call('SET', KEYS[3], ARGV[1]) end
local n = redis.call('HINCRBY', KEYS[2], 'n', 1)
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'n', n, 'p', ARGV[3], 'le', ARGV[1], 'r', ARGV[4])`;

// A new stream: only when it has no start, or (forced) when its start is still `replacing`, the stream the
// caller cannot continue (another forced start got there first otherwise). KEYS: stream, head, fence,
// snapshot. ARGV: leader epoch, maxlen, pbx, body, new stream epoch, replacing ('' : none). 1: started; 0: not.
const START = `${FENCE_CHECK}
local current_epoch = redis.call('HGET', KEYS[2], 'epoch')
if current_epoch and (ARGV[6] == '' or current_epoch ~= ARGV[6]) then return 0 end
if mine > current then redis.call('SET', KEYS[3], ARGV[1]) end
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[2], 'epoch', ARGV[5], 'n', 1)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'n', 1, 'p', ARGV[3], 'le', ARGV[1], 'r', ARGV[4])
return 1`;

// KEYS: fence, stream. ARGV: leader epoch.
const CLAIM = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local mine = tonumber(ARGV[1])
if mine < current then return redis.error_reply('FENCED: leader epoch ' .. current .. ' is newer than ' .. mine) end
redis.call('SET', KEYS[1], ARGV[1])
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last == 0 then return '0' end
return last[1][1]`;

// Any reader's replica is a true state as of its `n`: saved when it is of the current stream and newer.
// KEYS: snapshot, head. ARGV: stream epoch, n, id, body.
const SAVE_SNAPSHOT = `
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[1] then return 0 end
local saved = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if tonumber(ARGV[2]) <= saved then return 0 end
redis.call('HSET', KEYS[1], 'n', ARGV[2], 'id', ARGV[3], 'body', ARGV[4])
return 1`;

type Scripted = Redis & {
  fencedAdd(stream: string, head: string, fence: string, epoch: number, maxLen: number, pbx: string, body: string): Promise<string>;
  startStream(stream: string, head: string, fence: string, snapshot: string, epoch: number, maxLen: number, pbx: string, body: string, streamEpoch: string, replacing: string): Promise<number>;
  claim(fence: string, stream: string, epoch: number): Promise<string>;
  saveSnapshot(snapshot: string, head: string, streamEpoch: string, n: number, id: string, body: string): Promise<number>;
};

export interface StreamEntry {
  id: string;
  leaderEpoch: number;
  record: StreamRecord;
}

export interface ChangeStreamOptions {
  url: string;
  keyPrefix: string;
  maxLen: number;
  log: Log;
}

export interface StreamKeys {
  stream: string;
  head: string;
  snapshot: string;
}

export function streamKeys(keyPrefix: string): StreamKeys {
  return { stream: `${keyPrefix}:stream`, head: `${keyPrefix}:head`, snapshot: `${keyPrefix}:snapshot` };
}

export function fenceKey(keyPrefix: string, pbx: string): string {
  return `${keyPrefix}:${pbx}:fence`;
}

/** The reading side: every instance follows the stream (XREAD BLOCK holds its own connection). */
export class ChangeStream {
  private readonly reader: Redis;
  readonly keys: StreamKeys;

  constructor(private readonly options: ChangeStreamOptions) {
    this.keys = streamKeys(options.keyPrefix);
    this.reader = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: retry, enableAutoPipelining: false });
    this.reader.on("error", () => undefined); // reported through status; ioredis reconnects
  }

  get ready(): boolean {
    return this.reader.status === "ready";
  }

  async connect(): Promise<void> {
    await this.reader.connect().catch(() => undefined);
  }

  /** The writing side of one PBX's leadership (its own connection: a deposed leader's queue is dropped alone). */
  writer(pbx: string): StreamWriter {
    return new StreamWriter(this.options, pbx);
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
        let n = 0;
        let pbx = "";
        let body: string | null = null;
        for (let i = 0; i + 1 < fields.length; i += 2) {
          const value = fields[i + 1]!;
          if (fields[i] === "le") leaderEpoch = Number(value);
          else if (fields[i] === "n") n = Number(value);
          else if (fields[i] === "p") pbx = value;
          else if (fields[i] === "r") body = value;
        }
        if (body === null) continue;
        try {
          entries.push({ id, leaderEpoch, record: { n, pbx, body: JSON.parse(body) as RecordBody } });
        } catch {
          this.options.log.warn({ id }, "unreadable stream entry skipped");
        }
      }
    }
    return entries;
  }

  async close(): Promise<void> {
    this.reader.disconnect(false);
  }
}

export class StreamWriter {
  private connection: Scripted;
  private readonly keys: StreamKeys & { fence: string };

  constructor(
    private readonly options: ChangeStreamOptions,
    private readonly pbx: string,
  ) {
    this.keys = { ...streamKeys(options.keyPrefix), fence: fenceKey(options.keyPrefix, pbx) };
    this.connection = this.connect();
  }

  get ready(): boolean {
    return this.connection.status === "ready";
  }

  async open(): Promise<void> {
    await this.connection.connect().catch(() => undefined);
  }

  /**
   * Appends in call order (one connection, pipelined); resolves with the entry's id. Rejects with FENCED
   * once a newer leader of the PBX claimed it, with RESET when the stream has no start (a new or emptied Redis).
   */
  append(leaderEpoch: number, body: RecordBody): Promise<string> {
    const { stream, head, fence } = this.keys;
    return this.connection.fencedAdd(stream, head, fence, leaderEpoch, this.options.maxLen, this.pbx, JSON.stringify(body));
  }

  /**
   * Starts a new stream with this snapshot as its first record, unless the stream has a start already
   * (false); `replacing`: even then, if that start is still of this stream epoch (nobody can continue it).
   */
  async start(leaderEpoch: number, snapshot: Omit<ReplicaSnapshot, "n">, replacing: string | null = null): Promise<boolean> {
    const { stream, head, fence } = this.keys;
    const body: RecordBody = { k: "snapshot", snap: snapshot };
    return (await this.connection.startStream(stream, head, fence, this.keys.snapshot, leaderEpoch, this.options.maxLen, this.pbx, JSON.stringify(body), snapshot.epoch, replacing ?? "")) === 1;
  }

  /** A new leader fences its PBX (older leaders' appends are refused from now on); returns the stream's last id. */
  claim(leaderEpoch: number): Promise<string> {
    return this.connection.claim(this.keys.fence, this.keys.stream, leaderEpoch);
  }

  /** Saves a replica's snapshot for readers that fall behind; false when it is not newer than the saved one. */
  async saveSnapshot(id: string, snapshot: ReplicaSnapshot): Promise<boolean> {
    return (await this.connection.saveSnapshot(this.keys.snapshot, this.keys.head, snapshot.epoch, snapshot.n, id, JSON.stringify(snapshot))) === 1;
  }

  /** Drops what a deposed leader still had queued for Redis and starts a clean connection. */
  async reset(): Promise<void> {
    const old = this.connection;
    this.connection = this.connect();
    old.disconnect(false);
    await this.open();
  }

  close(): void {
    this.connection.disconnect(false);
  }

  private connect(): Scripted {
    // maxRetriesPerRequest null: appends wait (in order) for a reconnect instead of failing one by one;
    // a leader without Redis for CLUSTER_REDIS_GRACE_MS resigns instead.
    const connection = new Redis(this.options.url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: retry }) as Scripted;
    connection.on("error", () => undefined);
    connection.defineCommand("fencedAdd", { numberOfKeys: 3, lua: FENCED_ADD });
    connection.defineCommand("startStream", { numberOfKeys: 4, lua: START });
    connection.defineCommand("claim", { numberOfKeys: 2, lua: CLAIM });
    connection.defineCommand("saveSnapshot", { numberOfKeys: 2, lua: SAVE_SNAPSHOT });
    return connection;
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
