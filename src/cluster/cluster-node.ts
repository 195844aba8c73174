// One instance of several (REDIS_URL set). Every instance follows the Redis change stream into its
// Replica and delivers each record to its own subscribers (hub) and cache, through the same local path a
// single process uses. One instance at a time, the leader of the PBX (PgLeaderLock), also reads AMI: its
// service publishes into the stream instead of its hub, so the leader's subscribers see exactly what the
// followers' see, in the same order, with the same `seq`.
import { randomUUID } from "node:crypto";
import type { ClusterConfig } from "../config.ts";
import type { AmiListener, Log } from "../domain/ports.ts";
import type { AvailabilityTracker } from "../domain/tracker.ts";
import type { AgentRoster } from "../domain/agent/roster.ts";
import { withStaleness } from "../domain/agent/merge.ts";
import type { AgentState } from "../domain/types.ts";
import type { ChangeEvent, CompatEventModel, StatusHub } from "../events/status-hub.ts";
import type { StatusCache } from "../cache/status-cache.ts";
import type { AmiBridgeStats } from "../ami/ami-bridge.ts";
import type { WriteFence } from "../store/prisma-status-store.ts";
import { PgLeaderLock } from "../store/pg-leader-lock.ts";
import { ChangeStream, compareIds, type StreamEntry } from "./change-stream.ts";
import { Replica, type LinkRecord, type ReplicaSnapshot, type StreamRecord } from "./replica.ts";
import { ActionForwarding } from "./action-forwarding.ts";
import type { SendAction } from "../service/agent-commands.ts";

/** The AMI reader of one leadership term (a new AmiBridge each time this instance is elected). */
export interface AmiReader {
  start(): void;
  stop(): Promise<void>;
  stats(): AmiBridgeStats;
  /** Sends one command action (presence, DND, queue pause) on this reader's AMI session. */
  command: SendAction;
}

export interface ClusterNodeOptions {
  config: ClusterConfig;
  databaseUrl: string;
  connectTimeoutMs: number;
  log: Log;
  tracker: AvailabilityTracker;
  roster: AgentRoster;
  /** The local delivery path (subscribers) and the local read cache. */
  hub: StatusHub;
  cache: StatusCache;
  /** The domain's listener (the service): told when this instance starts or stops reading AMI. */
  service: AmiListener;
  /** A new AMI reader that reports to `listener`. */
  newReader: (listener: AmiListener) => AmiReader;
  /** A follower's commands wait this long for the leader's answer. */
  forwardTimeoutMs: number;
}

export interface ClusterStatus {
  instance: string;
  pbx: string;
  role: "leader" | "follower";
  leaderEpoch: number | null;
  streamEpoch: string | null;
  seq: number;
  redisConnected: boolean;
  /** ms since the newest record this instance applied was written (null: none yet). */
  lagMs: number | null;
  awaitingSnapshot: boolean;
  link: LinkRecord | null;
}

interface Term {
  epoch: number;
  streamEpoch: string;
  /** Records appended in this term (continues the stream's `n`). */
  n: number;
  reader: AmiReader;
}

const READ_COUNT = 1_000;
/** Stream records applied (and fanned out) per event-loop turn. */
const APPLY_SLICE = 50;
const READ_BLOCK_MS = 500;

export class ClusterNode {
  readonly replica = new Replica();
  private readonly stream: ChangeStream;
  private readonly lock: PgLeaderLock;
  private term: Term | null = null;
  private stopped = false;
  private caughtUp = false;
  private following: Promise<void> | null = null;
  private watchdog: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private redisDownSince: number | null = null;
  private lastSavedId = "";
  private lastRecordAt: number | null = null;
  private lastSnapshotLoadAt = 0;
  private lastLink: LinkRecord | null = null;
  /** The CRM's commands: sent by the leader's AMI session, forwarded there from a follower. */
  private readonly forwarding: ActionForwarding;
  private releaseForwarding: (() => Promise<void>) | null = null;
  /** Counters for /metrics. */
  readonly counters = { recordsApplied: 0, gaps: 0, snapshotsLoaded: 0, resnapshots: 0, fencedAppends: 0, appendFailures: 0, staleLeaderRecords: 0 };

  constructor(private readonly options: ClusterNodeOptions) {
    const { config, log } = options;
    this.stream = new ChangeStream({ url: config.redisUrl, keyPrefix: config.keyPrefix, pbx: config.pbx, maxLen: config.streamMaxLen, log });
    this.forwarding = new ActionForwarding({ url: config.redisUrl, keyPrefix: config.keyPrefix, instanceId: config.instanceId, timeoutMs: options.forwardTimeoutMs, log });
    this.lock = new PgLeaderLock({
      url: options.databaseUrl,
      pbx: config.pbx,
      instanceId: config.instanceId,
      leaseMs: config.leaseMs,
      pollMs: config.pollMs,
      connectTimeoutMs: options.connectTimeoutMs,
      log,
      canLead: () => this.stream.ready && this.caughtUp && !this.stopped,
      onElected: (epoch) => this.takeOver(epoch),
      onDeposed: (reason) => void this.stepDown(reason),
    });
  }

  /** What the service publishes to (as its hub and its cache) when several instances run. */
  readonly publisher = {
    applyState: (extension: string, state: AgentState | null): void => this.append({ k: "state", ext: extension, state }),
    publishChange: (event: ChangeEvent): void => this.append({ k: "change", ev: event }),
    publishCompat: (event: CompatEventModel): void => this.append({ k: "compat", ev: event }),
  };

  /** The service, with link changes also told to the cluster (followers report the leader's AMI link). */
  private readonly listener: AmiListener = {
    onFact: (fact) => this.options.service.onFact(fact),
    onSnapshot: (snapshot) => {
      this.options.service.onSnapshot(snapshot);
      this.publishLink();
    },
    onConnectionChange: (connected, reason) => {
      this.options.service.onConnectionChange(connected, reason);
      this.publishLink();
    },
  };

  get isLeader(): boolean {
    return this.term !== null;
  }

  /** The AMI reader while leading (null on a follower). */
  get reader(): AmiReader | null {
    return this.term?.reader ?? null;
  }

  /** Sends a command action on the PBX's AMI session: this instance's while it leads, else the leader's. */
  readonly sendAction: SendAction = (fields) => (this.term ? this.term.reader.command(fields) : this.forwarding.send(this.options.config.pbx)(fields));

  /** Commands this instance forwarded to the leader, and sent for followers (for /metrics). */
  get forwardedActions(): { forwarded: number; served: number } {
    return { forwarded: this.forwarding.forwardedActions, served: this.forwarding.servedActions };
  }

  /** The write fence of the store: the current term's epoch, or "deposed" (never written by a follower). */
  fence(): WriteFence {
    return this.term ? { pbx: this.options.config.pbx, epoch: this.term.epoch, maxIdleInTransactionMs: Math.max(200, Math.floor(this.options.config.leaseMs / 2)) } : "deposed";
  }

  async start(): Promise<void> {
    await this.stream.connect();
    await this.forwarding.start();
    this.following = this.follow();
    this.lock.start();
    this.watchdog = setInterval(() => this.checkRedis(), this.options.config.pollMs);
    this.watchdog.unref();
  }

  /** A clean stop, first step: no more AMI events, but keep the lead (and its write fence) while the
   * pending writes are stored; stop() then releases it. */
  async stopReading(): Promise<void> {
    await this.term?.reader.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    clearInterval(this.snapshotTimer);
    await this.lock.stop();
    await this.releaseForwarding?.();
    await this.forwarding.stop();
    await this.stream.close();
    await this.following?.catch(() => undefined);
  }

  /** Who leads, per the database (null fields when unknown). */
  leader(): Promise<{ holder: string | null; epoch: number | null; since: number | null }> {
    return this.lock.currentLeader();
  }

  status(): ClusterStatus {
    const { config } = this.options;
    return {
      instance: config.instanceId,
      pbx: config.pbx,
      role: this.term ? "leader" : "follower",
      leaderEpoch: this.term?.epoch ?? (this.replica.leaderEpoch || null),
      streamEpoch: this.replica.epoch,
      seq: this.replica.seq,
      redisConnected: this.stream.ready,
      lagMs: this.lastRecordAt === null ? null : Math.max(0, Date.now() - this.lastRecordAt),
      awaitingSnapshot: this.replica.awaitingSnapshot,
      link: this.replica.link,
    };
  }

  get elections(): number {
    return this.lock.elections;
  }

  get depositions(): number {
    return this.lock.depositions;
  }

  // ---- following the stream (every instance) ----

  private async follow(): Promise<void> {
    let initialized = false;
    while (!this.stopped) {
      try {
        if (!initialized) {
          const saved = await this.stream.loadSnapshot();
          if (saved) this.loadSnapshot(saved.id, saved.snapshot);
          initialized = true;
        }
        const entries = await this.stream.read(this.replica.lastId, READ_COUNT, READ_BLOCK_MS);
        for (let i = 0; i < entries.length; i++) {
          this.applyEntry(entries[i]!);
          // A leader change marks every agent stale, then fresh: thousands of records, each fanned out to
          // thousands of subscribers. Other work gets a turn between slices, the leader lock's renewal
          // above all (a loop blocked past the lease loses the lead, and the next leader's storm does too).
          if ((i + 1) % APPLY_SLICE === 0 && i + 1 < entries.length) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        this.caughtUp = entries.length < READ_COUNT && !this.replica.awaitingSnapshot;
        if (this.replica.awaitingSnapshot) await this.recover();
      } catch (error) {
        if (this.stopped) return;
        this.caughtUp = false;
        this.options.log.debug({ err: error instanceof Error ? error.message : error }, "cluster stream read failed; retrying");
        await sleep(200);
      }
    }
  }

  private applyEntry(entry: StreamEntry): void {
    const { replica } = this;
    replica.lastId = entry.id;
    if (entry.leaderEpoch < replica.leaderEpoch) {
      this.counters.staleLeaderRecords++;
      return;
    }
    replica.leaderEpoch = entry.leaderEpoch;
    this.lastRecordAt = Number(entry.id.split("-")[0]);
    const record = entry.record;
    if (record.k === "snapshot") {
      const before = { epoch: replica.epoch, seq: replica.seq, awaiting: replica.awaitingSnapshot };
      this.loadSnapshot(entry.id, record.snap, before.epoch === record.snap.epoch && before.seq === record.snap.seq && !before.awaiting);
      return;
    }
    const outcome = replica.apply(record);
    if (outcome === "gap") {
      this.counters.gaps++;
      return;
    }
    if (outcome !== "applied") return;
    this.counters.recordsApplied++;
    // Into the same local path a single process uses.
    if (record.k === "state") this.options.cache.applyState(record.ext, record.state, true); // a tracker change of the leader's
    else if (record.k === "change") this.options.hub.publishChange({ ...record.ev, epoch: replica.epoch ?? undefined });
    else if (record.k === "compat") this.options.hub.publishCompat(record.ev);
  }

  /** A snapshot replaces the replica; subscribers take a new one unless it says exactly what they hold. */
  private loadSnapshot(id: string, snapshot: ReplicaSnapshot, continuous = false): void {
    const before = new Set(this.replica.list().map((state) => state.extension));
    this.replica.load(snapshot);
    this.replica.lastId = id;
    this.counters.snapshotsLoaded++;
    for (const state of snapshot.states) {
      before.delete(state.extension);
      this.options.cache.applyState(state.extension, state);
    }
    for (const extension of before) this.options.cache.applyState(extension, null);
    this.options.hub.epoch = snapshot.epoch;
    if (!continuous) {
      this.counters.resnapshots++;
      this.options.hub.resnapshot();
    }
  }

  /** After a gap: the leader's last saved snapshot if it is newer, else wait for one in the stream. */
  private async recover(): Promise<void> {
    if (Date.now() - this.lastSnapshotLoadAt < 500) return;
    this.lastSnapshotLoadAt = Date.now();
    const saved = await this.stream.loadSnapshot();
    if (saved && saved.snapshot.n > this.replica.n) {
      this.options.log.warn({ from: this.replica.n, to: saved.snapshot.n }, "cluster stream: records missed (past the retained window or lost by Redis); resuming from the leader's snapshot");
      this.loadSnapshot(saved.id, saved.snapshot);
    } else if (this.term) {
      // The leader itself lost its place: it holds the truth, so it publishes it.
      this.publishSnapshot();
    }
  }

  // ---- leading (one instance per PBX) ----

  private async takeOver(epoch: number): Promise<void> {
    // Fence first: from now on no older leader can append, so the stream's end is final.
    const lastId = await this.stream.claim(epoch);
    const deadline = Date.now() + this.options.config.leaseMs;
    while (compareIds(this.replica.lastId, lastId) < 0 && Date.now() < deadline) await sleep(20);
    if (this.lock.epoch !== epoch) return; // deposed while catching up
    const { replica, tracker, roster, service } = { ...this.options, replica: this.replica };
    const continuous = compareIds(replica.lastId, lastId) >= 0 && replica.epoch !== null && !replica.awaitingSnapshot;
    const states = replica.list();
    if (continuous) {
      // Continue the stream: same epoch, `seq` and `n` go on from the last record.
      tracker.replaceAll(states, replica.isStale);
      roster.reset(states, replica.seq);
      this.term = { epoch, streamEpoch: replica.epoch!, n: replica.n, reader: this.options.newReader(this.listener) };
      // Nobody reads the PBX until this instance has resynced: say so (one delta per agent).
      if (!replica.isStale) service.onConnectionChange(false, "leader changed");
    } else {
      // The stream cannot be continued (first leader, or records lost): a new epoch, from a snapshot.
      const stale = states.map((state) => withStaleness(state, true));
      tracker.replaceAll(stale, true);
      roster.reset(stale, replica.seq);
      this.term = { epoch, streamEpoch: randomUUID(), n: replica.n, reader: this.options.newReader(this.listener) };
      this.publishSnapshot();
    }
    this.options.log.info({ epoch, streamEpoch: this.term.streamEpoch, continuous, seq: roster.lastSeq }, "taking over the PBX's AMI");
    this.publishLink();
    this.term.reader.start();
    this.serveForwardedActions(this.term);
    this.lastSavedId = "";
    clearInterval(this.snapshotTimer);
    this.snapshotTimer = setInterval(() => void this.saveSnapshot(), Math.max(1_000, this.options.config.leaseMs));
    this.snapshotTimer.unref();
  }

  private async stepDown(reason: string): Promise<void> {
    const term = this.term;
    this.term = null;
    clearInterval(this.snapshotTimer);
    if (!term) return;
    this.options.log.warn({ epoch: term.epoch, reason }, "stepping down: AMI closed, serving from the stream");
    const release = this.releaseForwarding;
    this.releaseForwarding = null;
    await release?.();
    // What was queued for Redis under the old term must not reach it later.
    await Promise.all([term.reader.stop().catch(() => undefined), this.stream.resetWriter()]);
  }

  /** While `term` lasts, followers' commands for this PBX are sent on its reader. */
  private serveForwardedActions(term: Term): void {
    this.forwarding.serve(this.options.config.pbx, (fields) => term.reader.command(fields)).then(
      (release) => {
        if (this.term === term) this.releaseForwarding = release;
        else void release();
      },
      (error: unknown) => this.options.log.warn({ err: error instanceof Error ? error.message : String(error) }, "cannot serve forwarded commands (Redis): followers' commands fail until it is back"),
    );
  }

  private append(body: DistributiveOmit<StreamRecord, "n">): void {
    const term = this.term;
    if (!term) return; // a deposed leader's late events go nowhere
    const record = { ...body, n: ++term.n } as StreamRecord;
    this.stream.append(term.epoch, record).then(
      ({ reset }) => {
        if (reset && this.term === term && term.n > 1) {
          this.options.log.warn({}, "Redis lost the cluster stream (restarted without its data?): publishing a snapshot");
          this.publishSnapshot();
        }
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (message.startsWith("FENCED")) {
          this.counters.fencedAppends++;
          if (this.term === term) void this.lock.resign(`Redis refused this leader: ${message}`, this.options.config.leaseMs);
        } else {
          this.counters.appendFailures++;
        }
      },
    );
  }

  /** The leader's truth as one record: followers (and the leader's own replica) start again from it. */
  private publishSnapshot(): void {
    const term = this.term;
    if (!term) return;
    const { tracker, roster } = this.options;
    this.append({ k: "snapshot", snap: { epoch: term.streamEpoch, seq: roster.lastSeq, n: term.n + 1, stale: tracker.isStale, link: this.link(), states: tracker.list(), views: roster.views() } });
  }

  private link(): LinkRecord {
    const stats = this.term?.reader.stats();
    return {
      connected: stats?.connected ?? false,
      synced: stats?.synced ?? false,
      leader: this.options.config.instanceId,
      lastError: stats?.lastError ?? null,
      queueDataAvailable: stats?.queueData.available ?? true,
      queueDataDetail: stats?.queueData.detail ?? null,
    };
  }

  private publishLink(): void {
    if (!this.term) return;
    const link = this.link();
    if (JSON.stringify(link) === JSON.stringify(this.lastLink)) return;
    this.lastLink = link;
    this.append({ k: "link", link });
  }

  /** The leader keeps the snapshot key current, for followers that fall behind the retained window. */
  private async saveSnapshot(): Promise<void> {
    const term = this.term;
    if (!term || this.replica.awaitingSnapshot || this.replica.lastId === this.lastSavedId) return;
    const id = this.replica.lastId;
    try {
      await this.stream.saveSnapshot(term.epoch, id, this.replica.toSnapshot());
      this.lastSavedId = id;
    } catch {
      // Redis down or fenced: the watchdog and the appends deal with it.
    }
  }

  private checkRedis(): void {
    this.publishLink();
    if (this.stream.ready) {
      this.redisDownSince = null;
      return;
    }
    this.redisDownSince ??= Date.now();
    this.caughtUp = false;
    if (this.term && Date.now() - this.redisDownSince > this.options.config.redisGraceMs) {
      // Followers that still reach Redis can serve the cluster; this one cannot publish.
      void this.lock.resign("Redis unreachable", this.options.config.redisGraceMs);
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
