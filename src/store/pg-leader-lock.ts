// Leadership of one PBX among several instances, from PostgreSQL alone: a session-level advisory lock held
// on a dedicated connection, and a fencing epoch (cluster_leaders.epoch) raised by one at every new leader.
//
// Why it fails over on every kind of death:
// - kill -9 or a crash: the server sees the socket close and releases the lock at once;
// - a frozen process (SIGSTOP) or a cut link: the lock session runs with idle_session_timeout = lease, and
//   the leader renews (one query) every poll; a leader that stops renewing is disconnected by the server
//   after `leaseMs`, which releases the lock. The leader itself gives up once its renewals fail for
//   2/3 of the lease, so it stops reading AMI before another may start.
// A deposed leader that comes back late cannot write: every write is fenced on the epoch (cluster_fence).
import pg from "pg";
import type { Log } from "../domain/ports.ts";

export interface LeaderLockOptions {
  url: string;
  pbx: string;
  instanceId: string;
  leaseMs: number;
  pollMs: number;
  connectTimeoutMs: number;
  log: Log;
  /** May this instance try to lead now (e.g. its Redis is up and its replica caught up)? */
  canLead: () => boolean;
  onElected: (epoch: number) => void | Promise<void>;
  onDeposed: (reason: string) => void;
}

export interface LeaderInfo {
  pbx: string;
  holder: string | null;
  epoch: number | null;
  since: number | null;
}

/** Advisory lock keys: (namespace, hashtext(pbx)); the namespace keeps clear of Prisma's migrate lock. */
const LOCK_NAMESPACE = 0x4a4c; // "JL"

export class PgLeaderLock {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private epochHeld: number | null = null;
  private lastRenewAt = 0;
  private busy = false;
  /** After resigning, do not compete again before this time (let another instance take over). */
  private cooldownUntil = 0;
  elections = 0;
  depositions = 0;

  constructor(private readonly options: LeaderLockOptions) {}

  get epoch(): number | null {
    return this.epochHeld;
  }

  get isLeader(): boolean {
    return this.epochHeld !== null;
  }

  start(): void {
    this.schedule(0);
  }

  /** Give the lock up now (e.g. this instance lost Redis) and stay out for `cooldownMs`. */
  async resign(reason: string, cooldownMs: number): Promise<void> {
    this.cooldownUntil = Date.now() + cooldownMs;
    if (this.epochHeld === null) return;
    this.depose(reason);
    await this.dropConnection();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.epochHeld !== null) this.depose("stopping");
    await this.dropConnection();
  }

  /** Who leads the PBX now, as the database says (for /readyz and amiStatus on every instance). */
  async currentLeader(): Promise<LeaderInfo> {
    const client = this.client;
    if (!client) return { pbx: this.options.pbx, holder: null, epoch: null, since: null };
    const result = await client.query<{ holder: string; epoch: string; since: Date }>("SELECT holder, epoch::text AS epoch, since FROM cluster_leaders WHERE pbx = $1", [this.options.pbx]);
    const row = result.rows[0];
    return { pbx: this.options.pbx, holder: row?.holder ?? null, epoch: row ? Number(row.epoch) : null, since: row?.since.getTime() ?? null };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.busy) return;
    this.busy = true;
    try {
      if (this.epochHeld !== null) await this.renew();
      else if (Date.now() >= this.cooldownUntil && this.options.canLead()) await this.tryAcquire();
      else if (this.client) await this.client.query("SELECT 1"); // an idle follower session must not time out either
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.epochHeld !== null) {
        // A renewal failed: keep leading only while the lease certainly still holds.
        if (Date.now() - this.lastRenewAt > (this.options.leaseMs * 2) / 3) {
          this.depose(`lock connection failed: ${message}`);
          await this.dropConnection();
        }
      } else {
        this.options.log.info({ err: message }, "leader lock: attempt failed; retrying");
        await this.dropConnection();
      }
    } finally {
      this.busy = false;
      this.schedule(this.options.pollMs);
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      // A silent server cannot hold a renewal longer than the lease.
      query_timeout: this.options.leaseMs,
      application_name: `agent-availability leader-lock ${this.options.instanceId}`.slice(0, 63),
    });
    const lost = (why: string) => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
      if (this.epochHeld !== null) this.depose(`lock connection lost: ${why}`);
    };
    client.on("error", (error) => lost(error.message));
    client.on("end", () => lost("closed by the server"));
    await client.connect();
    // The server ends this session (and so releases the lock) when the holder stops renewing.
    await client.query(`SET idle_session_timeout = ${Math.floor(this.options.leaseMs)}`);
    await client.query(`SET statement_timeout = ${Math.floor(this.options.leaseMs)}`);
    this.client = client;
    return client;
  }

  private async tryAcquire(): Promise<void> {
    const client = await this.connection();
    const locked = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked", [LOCK_NAMESPACE, this.options.pbx]);
    if (!locked.rows[0]?.locked) return;
    // A new epoch: waits for a write of the previous leader already under way (cluster_fence's share lock).
    const bumped = await client.query<{ epoch: string }>(
      `INSERT INTO cluster_leaders (pbx, epoch, holder, since) VALUES ($1, 1, $2, now())
       ON CONFLICT (pbx) DO UPDATE SET epoch = cluster_leaders.epoch + 1, holder = EXCLUDED.holder, since = now()
       RETURNING epoch::text AS epoch`,
      [this.options.pbx, this.options.instanceId],
    );
    const epoch = Number(bumped.rows[0]!.epoch);
    this.epochHeld = epoch;
    this.lastRenewAt = Date.now();
    this.elections++;
    this.options.log.info({ pbx: this.options.pbx, epoch, instance: this.options.instanceId }, "elected: this instance reads the PBX's AMI");
    // Not awaited: renewals must go on while the new leader catches up (a take-over longer than the
    // lease would otherwise let the server end this session).
    void Promise.resolve()
      .then(() => this.options.onElected(epoch))
      .catch(async (error: unknown) => {
        this.options.log.error({ err: error instanceof Error ? error.message : error }, "could not take over; resigning");
        if (this.epochHeld === epoch) await this.resign("take-over failed", this.options.leaseMs);
      });
  }

  private async renew(): Promise<void> {
    const client = this.client;
    if (!client) {
      this.depose("lock connection lost");
      return;
    }
    const result = await client.query<{ epoch: string }>("SELECT epoch::text AS epoch FROM cluster_leaders WHERE pbx = $1", [this.options.pbx]);
    const epoch = Number(result.rows[0]?.epoch ?? 0);
    if (epoch !== this.epochHeld) {
      this.depose(`a newer leader exists (epoch ${epoch})`);
      await this.dropConnection();
      return;
    }
    this.lastRenewAt = Date.now();
  }

  private depose(reason: string): void {
    if (this.epochHeld === null) return;
    const epoch = this.epochHeld;
    this.epochHeld = null;
    this.depositions++;
    this.options.log.warn({ pbx: this.options.pbx, epoch, reason }, "deposed: this instance no longer reads the PBX's AMI");
    this.options.onDeposed(reason);
  }

  private async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = null;
    // Closing the session releases the advisory lock.
    if (client) await client.end().catch(() => undefined);
  }
}
