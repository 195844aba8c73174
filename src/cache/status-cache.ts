// Read cache of stored agents: entries are valid for ttlMs and are updated (not just dropped) by
// tracker changes, so a read right after an event never waits for the 100 ms database flush.
// `version` moves on every change, so derived views (sorted lists, responses) can be memoized on it.
// A refill that brings back what was cached (the TTL's periodic reload) is not a change: the version
// stays, and so do the memoized lists and cached GraphQL responses built on it.
// Each entry also keeps the version at which it last changed (its stamp), and `structure` the version at
// which entries were last dropped: a response that read only some agents stays valid while their stamps
// and the structure are unchanged, however many other agents change (AgentReader.scopedVersion, used by
// the response caches: src/graphql/response-cache.ts).
import type { AgentState } from "../domain/types.ts";
import type { StoredAgent } from "../domain/ports.ts";

interface Entry {
  agent: StoredAgent | null; // null: known not to exist
  expiresAt: number;
  /** The cache's version when this entry last changed. */
  stamp: number;
  /** A tracker state newer than `agent`, merged into it when read: a change costs no copy of the agent
   * (most states are replaced by the next one before anyone reads them, and a copy per change kept alive
   * until then was medium-lived garbage the young generation promoted). */
  newer?: AgentState;
}

export class StatusCache {
  private readonly entries = new Map<string, Entry>();
  private listExpiresAt = 0;
  private changes = 0;
  private dropped = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Moves whenever anything cached changes. */
  get version(): number {
    return this.changes;
  }

  /** The version at which entries were last dropped or the cache cleared (an unknown extension may then
   * be known, or a known one unknown). */
  get structure(): number {
    return this.dropped;
  }

  /** The version at which this extension's entry last changed; -1: not cached. */
  stampOf(extension: string): number {
    return this.entries.get(extension)?.stamp ?? -1;
  }

  /** Until when the full list read from the store is valid (epoch ms; 0 or past: not valid). */
  get listValidUntil(): number {
    return this.listExpiresAt;
  }

  /** The full list is loaded and still valid. */
  get listValid(): boolean {
    return this.listExpiresAt > this.now();
  }

  /** A full list was loaded and nothing has invalidated it since, though its TTL may have run out. */
  get listComplete(): boolean {
    return this.listExpiresAt > 0;
  }

  /** Nothing cached. */
  get isEmpty(): boolean {
    return this.entries.size === 0;
  }

  /** A reload failed: a complete list and its entries stay valid for another TTL as they are (the next
   * attempt comes then). */
  keepList(): void {
    if (this.listExpiresAt === 0) return;
    const expiresAt = this.now() + this.ttlMs;
    this.listExpiresAt = expiresAt;
    for (const entry of this.entries.values()) entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
  }

  /** undefined on a miss; null when the extension is known not to exist. `expired`: an entry past its TTL counts. */
  get(extension: string, expired = false): StoredAgent | null | undefined {
    const entry = this.entries.get(extension);
    if (entry && (expired || entry.expiresAt > this.now())) {
      this.hits++;
      return current(entry);
    }
    this.misses++;
    return undefined;
  }

  /** The full list; `expired`: also when its TTL has run out (but nothing invalidated it). */
  getAll(expired = false): StoredAgent[] | undefined {
    if (expired ? this.listComplete : this.listValid) {
      this.hits++;
      const agents: StoredAgent[] = [];
      for (const entry of this.entries.values()) if (entry.agent) agents.push(current(entry)!);
      return agents;
    }
    this.misses++;
    return undefined;
  }

  /** `changed`: the caller knows the agent changed (no deep comparison needed). */
  put(extension: string, agent: StoredAgent | null, changed = false): void {
    const old = this.entries.get(extension);
    const stamp = old && !changed && sameValue(current(old), agent) ? old.stamp : ++this.changes;
    this.entries.set(extension, { agent, expiresAt: this.now() + this.ttlMs, stamp });
  }

  /** A complete list: replaces every entry and makes getAll() valid for the TTL. */
  putAll(agents: readonly StoredAgent[]): void {
    const fill = this.fill();
    for (const agent of agents) fill.put(agent);
    fill.end();
  }

  /** putAll() in parts (the caller may yield between them): entries replaced as they come, the
   * unlisted ones dropped and the list made valid at end(). */
  fill(): { put(agent: StoredAgent): void; end(): void } {
    const before = this.changes;
    const listed = new Set<string>();
    return {
      put: (agent) => {
        listed.add(agent.extension);
        this.put(agent.extension, agent);
      },
      end: () => {
        for (const extension of [...this.entries.keys()]) {
          if (listed.has(extension)) continue;
          this.entries.delete(extension);
          this.dropped = ++this.changes;
        }
        // The list becoming valid changes what getAll() answers only if it was not already complete.
        if (this.changes === before && this.listExpiresAt === 0) this.changes++;
        this.listExpiresAt = this.now() + this.ttlMs;
      },
    };
  }

  /** A tracker change: keep the CRM fields we have, take the new state. `changed`: the tracker reported
   * it (it reports a state only when something stored or served changed), so no deep comparison. */
  applyState(extension: string, state: AgentState | null, changed = false): void {
    const entry = this.entries.get(extension);
    if (state === null) {
      this.put(extension, null);
      return;
    }
    if (!entry?.agent) {
      // We do not know this agent's CRM data yet: the next list read must go to the store.
      this.entries.delete(extension);
      this.listExpiresAt = 0;
      this.dropped = ++this.changes;
      return;
    }
    if (changed) {
      entry.newer = state;
      entry.expiresAt = this.now() + this.ttlMs;
      entry.stamp = ++this.changes;
      return;
    }
    this.put(extension, { ...current(entry)!, ...state });
  }

  clear(): void {
    this.entries.clear();
    this.listExpiresAt = 0;
    this.dropped = ++this.changes;
  }
}

/** The entry's agent with its newer tracker state merged in (once, then kept). */
function current(entry: Entry): StoredAgent | null {
  if (entry.newer !== undefined && entry.agent) {
    entry.agent = { ...entry.agent, ...entry.newer };
    entry.newer = undefined;
  }
  return entry.agent;
}

/** Deep equality of stored agents (plain objects, arrays, Dates, primitives): a refill changed nothing. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  for (const key of keysA) if (!sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  return true;
}
