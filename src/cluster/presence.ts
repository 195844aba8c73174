// Which instances are up and which PBXs each prefers to lead (CLUSTER_PREFERRED_PBXS), in one Redis hash
// that every instance refreshes every CLUSTER_POLL_MS. An entry not refreshed for a lease is of an
// instance that is gone (killed, frozen, cut off). Only used to spread the PBXs' leadership as configured;
// who leads is still decided by the PostgreSQL locks alone.
import { Redis } from "ioredis";

export interface PresenceEntry {
  /** null: no preference (competes for every PBX at once, never hands one over). */
  preferred: string[] | null;
  /** Redis up, stream read to its end, lock connection up: it would take a PBX it prefers now. */
  ready: boolean;
  /** Epoch ms of the announcement, by the announcer's clock. */
  at: number;
}

export class ClusterPresence {
  private readonly redis: Redis;
  private readonly key: string;
  private entries = new Map<string, PresenceEntry>();

  constructor(
    url: string,
    keyPrefix: string,
    private readonly instanceId: string,
    private readonly leaseMs: number,
  ) {
    this.key = `${keyPrefix}:instances`;
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(times * 100, 1_000) });
    this.redis.on("error", () => undefined);
  }

  async connect(): Promise<void> {
    await this.redis.connect().catch(() => undefined);
  }

  /** Announces this instance and reads the others (one round trip); forgets entries gone for long. */
  async refresh(entry: Omit<PresenceEntry, "at">): Promise<void> {
    const now = Date.now();
    const [, all] = (await this.redis.multi().hset(this.key, this.instanceId, JSON.stringify({ ...entry, at: now })).hgetall(this.key).exec()) ?? [];
    const fields = (all?.[1] ?? {}) as Record<string, string>;
    const entries = new Map<string, PresenceEntry>();
    const gone: string[] = [];
    for (const [id, text] of Object.entries(fields)) {
      try {
        const parsed = JSON.parse(text) as PresenceEntry;
        if (now - parsed.at > this.leaseMs * 20) gone.push(id);
        else entries.set(id, parsed);
      } catch {
        gone.push(id);
      }
    }
    if (gone.length > 0) await this.redis.hdel(this.key, ...gone).catch(() => undefined);
    this.entries = entries;
  }

  /** Another instance, up (announced within a lease) and ready, that prefers this PBX; null when none. */
  preferredElsewhere(pbx: string): string | null {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (id !== this.instanceId && entry.ready && now - entry.at <= this.leaseMs && entry.preferred?.includes(pbx)) return id;
    }
    return null;
  }

  /** A clean stop: the others need not wait a lease to know. */
  async leave(): Promise<void> {
    await this.redis.hdel(this.key, this.instanceId).catch(() => undefined);
    this.redis.disconnect();
  }
}
