// One instance of several (REDIS_URL set). Every instance follows the cluster's one Redis stream into its
// Replica and delivers each record to its own subscribers (hub) and cache, through the same local path a
// single process uses. Each PBX has its own leader (PbxLeadership: its own PostgreSQL lock and fencing
// epoch); an instance may lead none, one or several PBXs. A leader's PBX service appends to the stream
// instead of feeding its hub, so the leader's subscribers see exactly what the others see.
//
// One sequence for the cluster: the leaders append extension states, never numbered agent changes. Redis
// numbers the records (`n`, in the append script) and every instance's replica turns them into agent
// changes with the same AgentRoster, in stream order, so the same record is the same change with the same
// `seq` on every instance, whichever PBX or leader it came from. The stream's epoch changes only with a new
// stream (a new or emptied Redis), where continuity is impossible.
import { setImmediate as nextTurn } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import type { ClusterConfig } from "../config.ts";
import type { Log } from "../domain/ports.ts";
import type { Directory } from "../domain/agent/merge.ts";
import type { AgentRoster } from "../domain/agent/roster.ts";
import type { AgentState } from "../domain/types.ts";
import type { CompatEventModel, StatusHub } from "../events/status-hub.ts";
import type { StatusCache } from "../cache/status-cache.ts";
import type { WriteFence } from "../store/prisma-status-store.ts";
import type { SendAction } from "../service/agent-commands.ts";
import { ChangeStream, type StreamEntry } from "./change-stream.ts";
import { Replica, type LinkRecord, type ReplicaSnapshot } from "./replica.ts";
import { ActionForwarding } from "./action-forwarding.ts";
import { PbxLeadership, type ClusterMember, type LeadershipHost } from "./pbx-leadership.ts";
import { ClusterPresence } from "./presence.ts";

export type { AmiReader, ClusterMember } from "./pbx-leadership.ts";

export interface ClusterNodeOptions {
  config: ClusterConfig;
  databaseUrl: string;
  connectTimeoutMs: number;
  log: Log;
  /** Every configured PBX, in configuration order. */
  members: readonly ClusterMember[];
  /** The local delivery path (subscribers) and the local read cache. */
  hub: StatusHub;
  cache: StatusCache;
  /** A follower's commands wait this long for the leader's answer. */
  forwardTimeoutMs: number;
}

export interface ClusterStatus {
  instance: string;
  /** The first configured PBX: what `role`, `leaderEpoch` and `link` describe. */
  pbx: string;
  role: "leader" | "follower";
  /** Every PBX this instance leads (reads the AMI of). */
  leads: string[];
  leaderEpoch: number | null;
  streamEpoch: string | null;
  seq: number;
  redisConnected: boolean;
  /** ms since the newest record this instance applied was written (null: none yet). */
  lagMs: number | null;
  awaitingSnapshot: boolean;
  link: LinkRecord | null;
}

/** One PBX as this instance sees it in the cluster. */
export interface PbxLeadStatus {
  pbx: string;
  /** The instance reading its AMI: this one, or the one its last link record names (null: none yet). */
  leader: string | null;
  leading: boolean;
  leaderEpoch: number | null;
  link: LinkRecord | null;
}

const READ_COUNT = 1_000;
/** Stream records applied (and fanned out) per event-loop turn. */
const APPLY_SLICE = 50;
const READ_BLOCK_MS = 500;

export class ClusterNode implements LeadershipHost {
  readonly replica: Replica;
  readonly config: ClusterConfig;
  readonly databaseUrl: string;
  readonly connectTimeoutMs: number;
  readonly log: Log;
  /** The CRM's commands: sent by the PBX leader's AMI session, forwarded there from other instances. */
  readonly forwarding: ActionForwarding;
  private readonly stream: ChangeStream;
  private readonly leaderships: PbxLeadership[];
  private readonly byName: Map<string, PbxLeadership>;
  private stopped = false;
  private caughtUp = false;
  private following: Promise<void> | null = null;
  private watchdog: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private redisDownSince: number | null = null;
  private lastSavedN = -1;
  private lastRecordAt: number | null = null;
  private lastSnapshotLoadAt = 0;
  private restarting = false;
  /** Since when this replica waits for a snapshot (null: it does not). */
  private awaitingSince: number | null = null;
  /** With CLUSTER_PREFERRED_PBXS: who else is up and what it prefers. */
  private readonly presence: ClusterPresence | null;
  /** Counters for /metrics. */
  readonly counters = { recordsApplied: 0, gaps: 0, snapshotsLoaded: 0, resnapshots: 0, fencedAppends: 0, appendFailures: 0, resets: 0, staleLeaderRecords: 0 };

  constructor(options: ClusterNodeOptions) {
    const { config, log, hub, cache } = options;
    this.config = config;
    this.databaseUrl = options.databaseUrl;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.log = log;
    this.replica = new Replica({
      applyState: (extension, state, changed) => cache.applyState(extension, state, changed),
      publishChange: (event) => hub.publishChange(event),
      publishCompat: (event) => hub.publishCompat(event),
    });
    this.hub = hub;
    this.cache = cache;
    this.stream = new ChangeStream({ url: config.redisUrl, keyPrefix: config.keyPrefix, maxLen: config.streamMaxLen, log });
    this.forwarding = new ActionForwarding({ url: config.redisUrl, keyPrefix: config.keyPrefix, instanceId: config.instanceId, timeoutMs: options.forwardTimeoutMs, log });
    this.leaderships = options.members.map((member) => new PbxLeadership(this, member, this.stream.writer(member.name)));
    this.byName = new Map(this.leaderships.map((leadership) => [leadership.name, leadership]));
    this.presence = config.preferredPbxs ? new ClusterPresence(config.redisUrl, config.keyPrefix, config.instanceId, config.leaseMs) : null;
  }

  private readonly hub: StatusHub;
  private readonly cache: StatusCache;

  /** What one PBX's service publishes to (its cache, hub and roster) when several instances run: the stream. */
  publisherFor(pbx: string): {
    cache: { applyState(extension: string, state: AgentState | null): void };
    hub: { publishChange(): void; publishCompat(event: CompatEventModel): void; readonly compatWanted: boolean };
    roster: Pick<AgentRoster, "apply" | "setDirectory" | "size">;
  } {
    const leadership = this.byName.get(pbx)!;
    const replica = this.replica;
    return {
      cache: { applyState: (ext, state) => leadership.append({ k: "state", ext, state }) },
      // Agent changes are made by every instance's replica from the "agent" records below, never here.
      hub: { publishChange: () => undefined, publishCompat: (ev) => leadership.append({ k: "compat", ev }), compatWanted: true },
      roster: {
        apply: (ext, state, known = false) => {
          leadership.append({ k: "agent", ext, state, known, ts: Date.now() });
          return null;
        },
        setDirectory: () => [],
        get size() {
          return replica.agentCount;
        },
      },
    };
  }

  /** Leads at least one PBX. */
  get isLeader(): boolean {
    return this.leaderships.some((leadership) => leadership.isLeader);
  }

  leads(pbx: string): boolean {
    return this.byName.get(pbx)?.isLeader ?? false;
  }

  /** The PBX's AMI reader while this instance leads it (null otherwise). */
  readerOf(pbx: string): PbxLeadership["reader"] {
    return this.byName.get(pbx)?.reader ?? null;
  }

  /** Sends a command action on the PBX's AMI session: this instance's while it leads it, else its leader's. */
  sendAction(pbx: string): SendAction {
    return this.byName.get(pbx)!.sendAction;
  }

  /** Commands this instance forwarded to a leader, and sent for other instances, per PBX (for /metrics). */
  forwardedActions(pbx: string): { forwarded: number; served: number } {
    return this.forwarding.countsOf(pbx);
  }

  /** The write fence of one PBX's store. */
  fence(pbx: string): WriteFence {
    return this.byName.get(pbx)?.fence() ?? "deposed";
  }

  async start(): Promise<void> {
    await this.stream.connect();
    await this.forwarding.start();
    await this.presence?.connect();
    this.following = this.follow();
    for (const leadership of this.leaderships) await leadership.start();
    this.watchdog = setInterval(() => this.checkRedis(), this.config.pollMs);
    this.watchdog.unref();
    this.snapshotTimer = setInterval(() => void this.saveSnapshot(), Math.max(1_000, this.config.leaseMs));
    this.snapshotTimer.unref();
  }

  /** A clean stop, first step: no more AMI events, but keep the leads (and their write fences) while the pending writes are stored; stop() then releases them. */
  async stopReading(): Promise<void> {
    await Promise.all(this.leaderships.map((leadership) => leadership.stopReading()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    clearInterval(this.snapshotTimer);
    await this.presence?.leave();
    await Promise.all(this.leaderships.map((leadership) => leadership.stop()));
    await this.forwarding.stop();
    await this.stream.close();
    await this.following?.catch(() => undefined);
  }

  status(): ClusterStatus {
    const first = this.leaderships[0]!;
    return {
      instance: this.config.instanceId,
      pbx: first.name,
      role: first.isLeader ? "leader" : "follower",
      leads: this.leaderships.filter((leadership) => leadership.isLeader).map((leadership) => leadership.name),
      leaderEpoch: first.epoch ?? (this.replica.leaderEpochs.get(first.name) || null),
      streamEpoch: this.replica.epoch,
      seq: this.replica.seq,
      redisConnected: this.stream.ready,
      lagMs: this.lastRecordAt === null ? null : Math.max(0, Date.now() - this.lastRecordAt),
      awaitingSnapshot: this.replica.awaitingSnapshot,
      link: this.replica.links.get(first.name) ?? null,
    };
  }

  /** Who leads each PBX, as this instance knows it. */
  pbxStatuses(): PbxLeadStatus[] {
    return this.leaderships.map((leadership) => {
      const link = this.replica.links.get(leadership.name) ?? null;
      return {
        pbx: leadership.name,
        leader: leadership.isLeader ? this.config.instanceId : (link?.leader ?? null),
        leading: leadership.isLeader,
        leaderEpoch: leadership.epoch ?? (this.replica.leaderEpochs.get(leadership.name) || null),
        link,
      };
    });
  }

  elections(pbx: string): number {
    return this.byName.get(pbx)?.elections ?? 0;
  }

  depositions(pbx: string): number {
    return this.byName.get(pbx)?.depositions ?? 0;
  }

  /**
   * The CRM's users as loaded by this instance: published when it leads some PBX and they differ from the
   * stream's. `since`: the replica's directoryVersion when the load started; a directory that changed
   * meanwhile (another leader published a newer load) wins over this one.
   */
  publishDirectory(directory: Directory, since: number): void {
    const leadership = this.leaderships.find((candidate) => candidate.isLeader);
    if (!leadership || this.replica.awaitingSnapshot || this.replica.directoryVersion !== since) return;
    if (directory.fingerprint === this.replica.directory.fingerprint) return;
    leadership.append({ k: "dir", users: [...directory.users], names: directory.endpointNamePairs, ts: Date.now() });
  }

  // ---- LeadershipHost ----

  /**
   * Redis up, the stream read to its end, not stopping. With CLUSTER_PREFERRED_PBXS, a PBX this instance
   * does not prefer is left to an instance that is up and prefers it; without one, any instance may lead it.
   */
  mayLead(pbx: string): boolean {
    if (!this.ready) return false;
    const preferred = this.config.preferredPbxs;
    if (!preferred || preferred.includes(pbx)) return true;
    return this.presence?.preferredElsewhere(pbx) === null;
  }

  private get ready(): boolean {
    return this.stream.ready && this.caughtUp && !this.stopped;
  }

  /** Announces this instance; hands a PBX it does not prefer to an instance that is up and prefers it. */
  private async spread(): Promise<void> {
    const preferred = this.config.preferredPbxs;
    if (!this.presence || !preferred) return;
    try {
      await this.presence.refresh({ preferred, ready: this.ready });
    } catch {
      return; // Redis down: the watchdog deals with it
    }
    for (const leadership of this.leaderships) {
      if (!leadership.isLeader || preferred.includes(leadership.name)) continue;
      const taker = this.presence.preferredElsewhere(leadership.name);
      if (taker) void leadership.resign(`handing PBX ${leadership.name} to instance ${taker}, which prefers it (CLUSTER_PREFERRED_PBXS)`, 2 * this.config.leaseMs);
    }
  }

  /** A new stream from this replica, under a new epoch (no continuity is possible); every leader then republishes its PBX. */
  restartStream(by: PbxLeadership, how: { force?: boolean; republishIfStarted?: boolean } = {}): void {
    const epoch = by.epoch;
    if (this.restarting || epoch === null) return;
    this.restarting = true;
    const { n: _, ...snapshot } = { ...this.replica.toSnapshot(), epoch: randomUUID() };
    by.writer.start(epoch, snapshot, how.force ? this.replica.epoch : null).then(
      (started) => {
        this.restarting = false;
        if (started) this.log.warn({ pbx: by.name, epoch: snapshot.epoch, forced: how.force ?? false }, "started a new cluster stream (no start: new or emptied Redis; or forced: nobody could continue it); subscribers take a new snapshot");
        // Someone else started it first: this PBX's records may be among those lost; publish it whole.
        else if (how.republishIfStarted ?? true) by.republish();
      },
      (error: unknown) => {
        this.restarting = false;
        this.log.warn({ err: error instanceof Error ? error.message : String(error) }, "could not start a new cluster stream; retrying at the next append");
      },
    );
  }

  // ---- following the stream (every instance) ----

  private async follow(): Promise<void> {
    let initialized = false;
    while (!this.stopped) {
      try {
        if (!initialized) {
          const saved = await this.stream.loadSnapshot();
          if (saved) this.loadSnapshot(saved.id, saved.snapshot, false);
          initialized = true;
        }
        const entries = await this.stream.read(this.replica.lastId, READ_COUNT, READ_BLOCK_MS);
        for (let i = 0; i < entries.length; i++) {
          this.applyEntry(entries[i]!);
          // A leader change marks every agent of its PBX stale, then fresh: thousands of records, each fanned
          // out to thousands of subscribers. Other work gets a turn between slices, the leader locks' renewals
          // above all (a loop blocked past the lease loses the lead, and the next leader's storm does too).
          if ((i + 1) % APPLY_SLICE === 0 && i + 1 < entries.length) await nextTurn();
        }
        this.caughtUp = entries.length < READ_COUNT && !this.replica.awaitingSnapshot;
        if (!this.replica.awaitingSnapshot) this.awaitingSince = null;
        else {
          this.awaitingSince ??= Date.now();
          await this.recover();
        }
      } catch (error) {
        if (this.stopped) return;
        this.caughtUp = false;
        this.log.debug({ err: error instanceof Error ? error.message : error }, "cluster stream read failed; retrying");
        await sleep(200);
      }
    }
  }

  private applyEntry(entry: StreamEntry): void {
    const { replica } = this;
    const { record } = entry;
    replica.lastId = entry.id;
    if (replica.fromDeposedLeader(record.pbx, entry.leaderEpoch)) {
      this.counters.staleLeaderRecords++;
      return;
    }
    this.lastRecordAt = Number(entry.id.split("-")[0]);
    if (record.body.k === "snapshot") {
      const snap = record.body.snap;
      this.loadSnapshot(entry.id, { ...snap, n: record.n }, replica.epoch === snap.epoch && replica.seq === snap.seq && !replica.awaitingSnapshot);
      // A new stream: its snapshot is one replica's view, possibly behind for some PBXs; their leaders say theirs.
      for (const leadership of this.leaderships) leadership.republish();
      return;
    }
    const outcome = replica.apply(record);
    if (outcome === "gap") {
      this.counters.gaps++;
      return;
    }
    this.counters.recordsApplied++;
  }

  /** A snapshot replaces the replica; subscribers take a new one unless it says exactly what they hold. */
  private loadSnapshot(id: string, snapshot: ReplicaSnapshot, continuous: boolean): void {
    const before = new Set(this.replica.list().map((state) => state.extension));
    this.replica.load(snapshot);
    this.replica.lastId = id;
    this.counters.snapshotsLoaded++;
    for (const state of snapshot.states) {
      before.delete(state.extension);
      this.cache.applyState(state.extension, state);
    }
    for (const extension of before) this.cache.applyState(extension, null);
    this.hub.epoch = snapshot.epoch;
    if (!continuous) {
      this.counters.resnapshots++;
      this.hub.resnapshot();
    }
  }

  /** After a gap: the last saved snapshot if it is newer (or of a newer stream), else wait for one in the stream. */
  private async recover(): Promise<void> {
    if (Date.now() - this.lastSnapshotLoadAt < 500) return;
    this.lastSnapshotLoadAt = Date.now();
    const saved = await this.stream.loadSnapshot();
    if (saved && (saved.snapshot.epoch !== this.replica.epoch || saved.snapshot.n > this.replica.n)) {
      this.log.warn({ from: this.replica.n, to: saved.snapshot.n }, "cluster stream: records missed (past the retained window or lost by Redis); resuming from a saved snapshot");
      this.loadSnapshot(saved.id, saved.snapshot, false);
      return;
    }
    // Redis lost the stream while nothing was appended: a leader here starts a new one (only if it has no
    // start). A leader that cannot continue the stream for two leases, with no newer saved snapshot (no
    // other leader saves one), starts a new one anyway: nobody would otherwise.
    const leading = this.leaderships.find((leadership) => leadership.isLeader);
    const stuckMs = Date.now() - (this.awaitingSince ?? Date.now());
    if (leading) this.restartStream(leading, { force: stuckMs > 2 * this.config.leaseMs, republishIfStarted: false });
  }

  /** A leader keeps the snapshot key current, for instances that fall behind the retained window. */
  private async saveSnapshot(): Promise<void> {
    const leading = this.leaderships.find((leadership) => leadership.isLeader);
    const { replica } = this;
    if (!leading || replica.awaitingSnapshot || replica.epoch === null || replica.n === this.lastSavedN) return;
    try {
      const snapshot = replica.toSnapshot();
      await leading.writer.saveSnapshot(replica.lastId, snapshot);
      this.lastSavedN = snapshot.n;
    } catch {
      // Redis down: the watchdog and the appends deal with it.
    }
  }

  private checkRedis(): void {
    for (const leadership of this.leaderships) leadership.publishLink();
    void this.spread();
    if (this.stream.ready) {
      this.redisDownSince = null;
      return;
    }
    this.redisDownSince ??= Date.now();
    this.caughtUp = false;
    if (Date.now() - this.redisDownSince > this.config.redisGraceMs) {
      // Instances that still reach Redis can serve the cluster; this one cannot publish.
      for (const leadership of this.leaderships) if (leadership.isLeader) void leadership.resign("Redis unreachable", this.config.redisGraceMs);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
