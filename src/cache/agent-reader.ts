// The read path behind the DataLoaders: status cache → store, with the live tracker state laid over
// what the store returns (the store may lag the tracker by one flush, or be down).
import { STATUS_FLAGS } from "../domain/availability.ts";
import type { Log, StatusStore, StoredAgent } from "../domain/ports.ts";
import type { AgentState } from "../domain/types.ts";
import type { StatusCache } from "./status-cache.ts";

/** The in-memory truth as the reader needs it (the tracker satisfies this). */
export interface LiveState {
  get(extension: string): AgentState | null;
  list(): AgentState[];
  readonly isStale: boolean;
  /** True once a resync has defined the set of extensions (absent from live = gone). */
  readonly hasSynced: boolean;
}

export class AgentReader {
  constructor(
    private readonly store: StatusStore,
    private readonly cache: StatusCache,
    private readonly live: LiveState,
    private readonly log: Log,
  ) {}

  async loadMany(extensions: readonly string[]): Promise<Array<StoredAgent | null>> {
    const found = new Map<string, StoredAgent | null>();
    const misses: string[] = [];
    for (const extension of extensions) {
      const cached = this.cache.get(extension);
      if (cached === undefined) misses.push(extension);
      else found.set(extension, cached);
    }
    if (misses.length > 0) {
      const stored = await this.fromStore(() => this.store.loadByExtensions(misses), new Map<string, StoredAgent>());
      for (const extension of misses) {
        const agent = this.overlay(extension, stored.get(extension) ?? null);
        this.cache.put(extension, agent);
        found.set(extension, agent);
      }
    }
    return extensions.map((extension) => this.withStaleness(found.get(extension) ?? null));
  }

  async loadAll(): Promise<StoredAgent[]> {
    let agents = this.cache.getAll();
    if (!agents) {
      const stored = await this.fromStore(() => this.store.loadAll(), [] as StoredAgent[]);
      const byExtension = new Map(stored.map((agent) => [agent.extension, agent]));
      for (const state of this.live.list()) if (!byExtension.has(state.extension)) byExtension.set(state.extension, null as never);
      agents = [];
      for (const [extension, agent] of byExtension) {
        const merged = this.overlay(extension, agent ?? null);
        if (merged) agents.push(merged);
      }
      this.cache.putAll(agents);
    }
    return agents.map((agent) => this.withStaleness(agent)!).sort((a, b) => compareExtensions(a.extension, b.extension));
  }

  private async fromStore<T>(read: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await read();
    } catch (error) {
      // The live tracker still knows every status; only CRM names are missing until the store is back.
      this.log.warn({ err: error }, "store read failed; serving live state without CRM data");
      return fallback;
    }
  }

  private overlay(extension: string, stored: StoredAgent | null): StoredAgent | null {
    const live = this.live.get(extension);
    if (!live) return this.live.hasSynced ? null : stored;
    return { name: stored?.name ?? null, userId: stored?.userId ?? null, ...live };
  }

  private withStaleness(agent: StoredAgent | null): StoredAgent | null {
    if (!agent) return null;
    const stale = this.live.isStale;
    const available = STATUS_FLAGS[agent.status].available && !stale;
    return agent.stale === stale && agent.available === available ? agent : { ...agent, stale, available };
  }
}

/** Numeric extensions in numeric order, then the rest alphabetically. */
export function compareExtensions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
