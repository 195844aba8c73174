// One PBX's leadership on this instance (several instances): its own PostgreSQL lock and fencing epoch,
// its own Redis writer. While this instance leads the PBX it reads the PBX's AMI, and the PBX's service
// appends what it derives to the cluster's one stream (fenced by this PBX's epoch); when it does not, the
// PBX's service appends nothing and its commands go to whichever instance leads it. Each PBX fails over
// on its own: an instance may lead none, one or several PBXs.
import type { ClusterConfig } from "../config.ts";
import type { AmiListener, Log } from "../domain/ports.ts";
import type { AvailabilityTracker } from "../domain/tracker.ts";
import type { AmiBridgeStats } from "../ami/ami-bridge.ts";
import type { WriteFence } from "../store/prisma-status-store.ts";
import type { SendAction } from "../service/agent-commands.ts";
import { PgLeaderLock } from "../store/pg-leader-lock.ts";
import { compareIds, type StreamWriter } from "./change-stream.ts";
import type { LinkRecord, RecordBody, Replica } from "./replica.ts";
import type { ActionForwarding } from "./action-forwarding.ts";

/** The AMI reader of one leadership term (a new AmiBridge each time this instance is elected). */
export interface AmiReader {
  start(): void;
  stop(): Promise<void>;
  refresh(): Promise<unknown>;
  stats(): AmiBridgeStats;
  /** Sends one command action (presence, DND, queue pause) on this reader's AMI session. */
  command: SendAction;
}

/** One PBX as the cluster drives it: its tracker and service (built in app.ts) and how to read its AMI. */
export interface ClusterMember {
  name: string;
  tracker: AvailabilityTracker;
  /** The PBX's domain listener (its gate and service): told when this instance starts or stops reading AMI. */
  service: AmiListener;
  newReader: (listener: AmiListener) => AmiReader;
}

/** What a PBX's leadership needs from the instance's cluster node. */
export interface LeadershipHost {
  readonly replica: Replica;
  readonly config: ClusterConfig;
  readonly databaseUrl: string;
  readonly connectTimeoutMs: number;
  readonly log: Log;
  readonly forwarding: ActionForwarding;
  readonly counters: { fencedAppends: number; appendFailures: number; resets: number };
  /** Redis up, the stream read to its end, not stopping; and for this PBX, this instance's turn. */
  mayLead(pbx: string): boolean;
  /**
   * The stream has no start (a new or emptied Redis): start one from this instance's replica. When another
   * leader started it first, `by` publishes its whole PBX (what it appended meanwhile was refused).
   */
  restartStream(by: PbxLeadership): void;
}

interface Term {
  epoch: number;
  reader: AmiReader;
}

export class PbxLeadership {
  readonly writer: StreamWriter;
  private readonly lock: PgLeaderLock;
  private term: Term | null = null;
  private releaseForwarding: (() => Promise<void>) | null = null;
  private lastLink = "";

  constructor(
    private readonly host: LeadershipHost,
    readonly member: ClusterMember,
    writer: StreamWriter,
  ) {
    this.writer = writer;
    const { config } = host;
    this.lock = new PgLeaderLock({
      url: host.databaseUrl,
      pbx: member.name,
      instanceId: config.instanceId,
      leaseMs: config.leaseMs,
      pollMs: config.pollMs,
      connectTimeoutMs: host.connectTimeoutMs,
      log: host.log,
      canLead: () => this.writer.ready && host.mayLead(member.name),
      onElected: (epoch) => this.takeOver(epoch),
      onDeposed: (reason) => void this.stepDown(reason),
    });
  }

  get name(): string {
    return this.member.name;
  }

  get isLeader(): boolean {
    return this.term !== null;
  }

  get epoch(): number | null {
    return this.term?.epoch ?? null;
  }

  /** The AMI reader while leading (null otherwise). */
  get reader(): AmiReader | null {
    return this.term?.reader ?? null;
  }

  get elections(): number {
    return this.lock.elections;
  }

  get depositions(): number {
    return this.lock.depositions;
  }

  /** The PBX's service, with link changes also told to the cluster. */
  private readonly listener: AmiListener = {
    onFact: (fact) => this.member.service.onFact(fact),
    onSnapshot: (snapshot) => {
      this.member.service.onSnapshot(snapshot);
      this.publishLink();
    },
    onConnectionChange: (connected, reason) => {
      this.member.service.onConnectionChange(connected, reason);
      this.publishLink();
    },
  };

  async start(): Promise<void> {
    await this.writer.open();
    this.lock.start();
  }

  /** A clean stop, first step: no more AMI events, but keep the lead (and its write fence) while the pending writes are stored. */
  async stopReading(): Promise<void> {
    await this.term?.reader.stop();
  }

  async stop(): Promise<void> {
    await this.lock.stop();
    await this.releaseForwarding?.();
    this.writer.close();
  }

  /** Sends a command action on the PBX's AMI session: this instance's while it leads, else the leader's. */
  readonly sendAction: SendAction = (fields) => (this.term ? this.term.reader.command(fields) : this.host.forwarding.send(this.member.name)(fields));

  /** The write fence of the PBX's store: the current term's epoch, or "deposed" (a follower writes nothing). */
  fence(): WriteFence {
    return this.term ? { pbx: this.member.name, epoch: this.term.epoch, maxIdleInTransactionMs: Math.max(200, Math.floor(this.host.config.leaseMs / 2)) } : "deposed";
  }

  /** Give up the lead for a while (this instance cannot publish). */
  resign(reason: string, cooldownMs: number): Promise<void> {
    return this.lock.resign(reason, cooldownMs);
  }

  /** Appends one record to the cluster's stream under this PBX's term; nothing when not leading. */
  append(body: RecordBody): void {
    const term = this.term;
    if (!term) return; // a deposed leader's late events go nowhere
    this.writer.append(term.epoch, body).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (message.startsWith("FENCED")) {
        this.host.counters.fencedAppends++;
        if (this.term === term) void this.lock.resign(`Redis refused this leader: ${message}`, this.host.config.leaseMs);
      } else if (message.startsWith("RESET")) {
        // Redis lost the stream (restarted without its data): the PBX's records since are lost; a new
        // stream starts from a snapshot, and every leader then publishes its whole PBX again.
        this.host.counters.resets++;
        if (this.term === term) this.host.restartStream(this);
      } else {
        this.host.counters.appendFailures++;
      }
    });
  }

  /** The whole PBX as this leader knows it (after a new stream start: the snapshot may be behind for it). */
  republish(): void {
    if (!this.term) return;
    this.append({ k: "pbx", states: this.member.tracker.list(), ts: Date.now() });
    this.lastLink = "";
    this.publishLink();
  }

  /** The AMI link, when it changed (also periodically: the first one after a take-over). */
  publishLink(): void {
    if (!this.term) return;
    const link = this.link();
    const text = JSON.stringify(link);
    if (text === this.lastLink) return;
    this.lastLink = text;
    this.append({ k: "link", link });
  }

  private link(): LinkRecord {
    const stats = this.term?.reader.stats();
    return {
      connected: stats?.connected ?? false,
      synced: stats?.synced ?? false,
      leader: this.host.config.instanceId,
      lastError: stats?.lastError ?? null,
      queueDataAvailable: stats?.queueData.available ?? true,
      queueDataDetail: stats?.queueData.detail ?? null,
    };
  }

  private async takeOver(epoch: number): Promise<void> {
    const { replica, log } = this.host;
    const { tracker, service, name } = this.member;
    // Fence first: from now on no older leader of this PBX can append, so its part of the stream is final.
    const lastId = await this.writer.claim(epoch);
    const deadline = Date.now() + this.host.config.leaseMs;
    while (compareIds(replica.lastId, lastId) < 0 && Date.now() < deadline) await sleep(20);
    if (this.lock.epoch !== epoch) return; // deposed while catching up
    const continuous = compareIds(replica.lastId, lastId) >= 0 && replica.hasSynced && !replica.awaitingSnapshot;
    // Continue from what every instance's subscribers were last told about this PBX. Without a stream yet
    // (a new or emptied Redis), the tracker keeps what it has (restored from the database) and a new stream starts.
    if (continuous) tracker.replaceAll(replica.statesOf(name), replica.pbxStale(name));
    const term: Term = { epoch, reader: this.member.newReader(this.listener) };
    this.term = term;
    this.lastLink = "";
    log.info({ pbx: name, epoch, continuous, seq: replica.seq }, "taking over the PBX's AMI");
    if (!continuous) this.host.restartStream(this);
    // Nobody reads the PBX until this instance has resynced: say so (one delta per agent).
    else if (!tracker.isStale) service.onConnectionChange(false, "leader changed");
    this.publishLink();
    term.reader.start();
    this.serveForwardedActions(term);
  }

  private async stepDown(reason: string): Promise<void> {
    const term = this.term;
    this.term = null;
    if (!term) return;
    this.host.log.warn({ pbx: this.member.name, epoch: term.epoch, reason }, "stepping down: AMI closed, serving this PBX from the stream");
    const release = this.releaseForwarding;
    this.releaseForwarding = null;
    await release?.();
    // What was queued for Redis under the old term must not reach it later.
    await Promise.all([term.reader.stop().catch(() => undefined), this.writer.reset()]);
  }

  /** While `term` lasts, followers' commands for this PBX are sent on its reader. */
  private serveForwardedActions(term: Term): void {
    this.host.forwarding.serve(this.member.name, (fields) => term.reader.command(fields)).then(
      (release) => {
        if (this.term === term) this.releaseForwarding = release;
        else void release();
      },
      (error: unknown) => this.host.log.warn({ pbx: this.member.name, err: error instanceof Error ? error.message : String(error) }, "cannot serve forwarded commands (Redis): followers' commands fail until it is back"),
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
