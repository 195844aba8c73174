// Read cache of stored agents: entries are valid for ttlMs and are updated (not just dropped) by
// tracker changes, so a read right after an event never waits for the 100 ms database flush.
// `version` moves on every change, so derived views (sorted lists, responses) can be memoized on it.
import type { AgentState } from "../domain/types.ts";
import type { StoredAgent } from "../domain/ports.ts";

interface Entry {
  agent: StoredAgent | null; // null: known not to exist
  expiresAt: number;
}

export class StatusCache {
  private readonly entries = new Map<string, Entry>();
  private listExpiresAt = 0;
  private changes = 0;
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

  /** The full list is loaded and still valid. */
  get listValid(): boolean {
    return this.listExpiresAt > this.now();
  }

  /** undefined on a miss; null when the extension is known not to exist. */
  get(extension: string): StoredAgent | null | undefined {
    const entry = this.entries.get(extension);
    if (entry && entry.expiresAt > this.now()) {
      this.hits++;
      return entry.agent;
    }
    this.misses++;
    return undefined;
  }

  getAll(): StoredAgent[] | undefined {
    if (this.listValid) {
      this.hits++;
      const agents: StoredAgent[] = [];
      for (const entry of this.entries.values()) if (entry.agent) agents.push(entry.agent);
      return agents;
    }
    this.misses++;
    return undefined;
  }

  put(extension: string, agent: StoredAgent | null): void {
    this.entries.set(extension, { agent, expiresAt: this.now() + this.ttlMs });
    this.changes++;
  }

  /** A complete list: replaces every entry and makes getAll() valid for the TTL. */
  putAll(agents: readonly StoredAgent[]): void {
    this.entries.clear();
    for (const agent of agents) this.put(agent.extension, agent);
    this.listExpiresAt = this.now() + this.ttlMs;
    this.changes++;
  }

  /** A tracker change: keep the CRM fields we have, take the new state. */
  applyState(extension: string, state: AgentState | null): void {
    const entry = this.entries.get(extension);
    if (state === null) {
      this.put(extension, null);
      return;
    }
    if (!entry?.agent) {
      // We do not know this agent's CRM data yet: the next list read must go to the store.
      this.entries.delete(extension);
      this.listExpiresAt = 0;
      this.changes++;
      return;
    }
    this.put(extension, { ...entry.agent, ...state });
  }

  clear(): void {
    this.entries.clear();
    this.listExpiresAt = 0;
    this.changes++;
  }
}
