// The read path behind the DataLoaders: status cache → store, with the live tracker state laid over
// what the store returns (the store may lag the tracker by one flush, or be down).
// A miss reloads the whole list in one query (shared by concurrent readers), so a TTL expiry costs
// one store read, not one per agent. A list whose TTL ran out answers while the reload runs behind it
// (stale-while-revalidate): the statuses come from the live tracker anyway, only CRM names can be one
// reload late, and no request waits for the periodic reload (a probe every 100 ms saw it as an 80 ms stall).
//
// Two deadlines: a request waits for the store at most `readTimeoutMs` (then the live state answers, without
// CRM data); a reload nobody waits for (the periodic one, the warm-up after a resync) may take up to
// `reloadTimeoutMs`, since under a heavy write load a 2,000-agent read takes a few hundred ms. A reload that
// fails keeps the list already cached (names one reload late rather than none) until the next attempt.
import { setImmediate as nextTurn } from "node:timers/promises";
import { groupAgents, withStaleness, type AgentView, type Directory } from "../domain/agent/merge.ts";
import type { CrmFields, Log, StatusStore, StoredAgent } from "../domain/ports.ts";
import type { AgentState } from "../domain/types.ts";
import { withDeadline } from "../deadline.ts";
import type { StatusCache } from "./status-cache.ts";

/** The in-memory truth as the reader needs it (the tracker satisfies this). */
export interface LiveState {
  get(extension: string): AgentState | null;
  list(): AgentState[];
  /** The extensions list() would return, without building their states. */
  extensions(): Iterable<string>;
  readonly isStale: boolean;
  /** True once a resync has defined the set of extensions (absent from live = gone). */
  readonly hasSynced: boolean;
  /** Several PBXs: whether this extension's PBX is stale (default: isStale, one PBX). */
  staleOf?(extension: string): boolean;
}

/** Agents merged and cached per event-loop turn during a reload. */
const RELOAD_SLICE = 250;

export class AgentReader {
  private refreshing: Promise<boolean> | null = null;
  private sorted: { key: string; agents: StoredAgent[] } | null = null;
  private grouped: { key: string; agents: AgentView[] } | null = null;

  constructor(
    private readonly store: StatusStore,
    private readonly cache: StatusCache,
    private readonly live: LiveState,
    private readonly log: Log,
    /** A read on a request path waits this long for the store at most, then the live state answers. */
    private readonly readTimeoutMs = 300,
    /** A reload nobody waits for is given up after this long. */
    private readonly reloadTimeoutMs = 10_000,
  ) {}

  /** Loads the list behind the requests to come (after a resync): the first one then need not wait. */
  warm(): void {
    if (!this.cache.listValid) void this.refresh();
  }

  /** Changes whenever what loadAll/loadMany would return may have changed. */
  get version(): string {
    const cacheVersion = this.cache.version;
    const stale = this.live.isStale;
    // The same string while nothing moved: callers compare it on every cached response.
    if (cacheVersion !== this.lastVersion.cache || stale !== this.lastVersion.stale) {
      this.lastVersion = { cache: cacheVersion, stale, text: `${cacheVersion}:${stale ? "stale" : "fresh"}` };
    }
    return this.lastVersion.text;
  }
  private lastVersion = { cache: Number.NaN, stale: false, text: "" };

  /** The cache's version now: a mark to ask changedSince() about after a read. */
  get mark(): number {
    return this.cache.version;
  }

  /** What loadMany(extensions) answers depends on, as a string: equal strings, equal answers (while the
   * entries are valid). Unlike `version`, it does not move when other agents change. */
  scopedVersion(extensions: readonly string[]): string {
    let text = `${this.cache.structure}:${this.live.isStale ? "stale" : "fresh"}`;
    for (const extension of extensions) text += `:${this.cache.stampOf(extension)}`;
    return text;
  }

  /** Whether any of these extensions' entries (or the set of entries) changed after `mark`. */
  changedSince(extensions: readonly string[], mark: number): boolean {
    if (this.cache.structure > mark) return true;
    for (const extension of extensions) if (this.cache.stampOf(extension) > mark) return true;
    return false;
  }

  /** Until when what the reader answers has been confirmed against the store (epoch ms): a cached view
   * of an unchanged `version` is as fresh as a new one until then. */
  get confirmedUntil(): number {
    return this.cache.listValidUntil;
  }

  async loadMany(extensions: readonly string[]): Promise<Array<StoredAgent | null>> {
    const found = new Map<string, StoredAgent | null>();
    const revalidating = this.revalidate();
    let misses = this.lookup(extensions, found, revalidating);
    if (misses.length > 0 && !this.cache.listValid) {
      const loaded = await this.waitForList();
      misses = this.lookup(misses, found);
      if (!loaded) {
        // The store did not answer in time: these come from the live state, without CRM data (not cached:
        // the reload still running fills them in).
        for (const extension of misses) found.set(extension, this.overlay(extension, null));
        misses = [];
      }
    }
    if (misses.length > 0) {
      // Valid list but these are not in it (new or invalidated): read just them.
      const stored = await this.fromStore(() => this.store.loadByExtensions(misses), new Map<string, StoredAgent>());
      for (const extension of misses) {
        const agent = this.overlay(extension, stored.get(extension) ?? null);
        this.cache.put(extension, agent);
        found.set(extension, agent);
      }
    }
    return extensions.map((extension) => this.withStaleness(found.get(extension) ?? null));
  }

  /** Every agent, sorted by extension; memoized until the cache or the staleness changes. */
  async loadAll(): Promise<StoredAgent[]> {
    const revalidating = this.revalidate();
    if (!revalidating && !this.cache.listValid) await this.waitForList();
    const key = this.version;
    if (this.sorted?.key === key) return this.sorted.agents;
    const agents = (this.cache.getAll(revalidating) ?? []).map((agent) => this.withStaleness(agent)!).sort((a, b) => compareExtensions(a.extension, b.extension));
    this.sorted = { key, agents };
    return agents;
  }

  /** Every agent (users merged over their extensions), sorted by main extension; memoized like loadAll. */
  async loadAgents(directory: Directory, now: number): Promise<AgentView[]> {
    const extensions = await this.loadAll();
    const key = `${this.version}:${directory.fingerprint}`;
    // A wrap-up window may close between two reads: the tracker's tick moves the cache version then.
    if (this.grouped?.key === key) return this.grouped.agents;
    const agents = groupAgents(extensions, directory, now).sort((a, b) => compareExtensions(a.extension, b.extension));
    this.grouped = { key, agents };
    return agents;
  }

  /** A complete list past its TTL: reload it in the background and answer from it meanwhile (true). */
  private revalidate(): boolean {
    if (this.cache.listValid || !this.cache.listComplete) return false;
    void this.refresh();
    return true;
  }

  private lookup(extensions: readonly string[], found: Map<string, StoredAgent | null>, expired = false): string[] {
    const misses: string[] = [];
    for (const extension of extensions) {
      const cached = this.cache.get(extension, expired);
      if (cached === undefined) misses.push(extension);
      else found.set(extension, cached);
    }
    return misses;
  }

  /** A request's wait for the list: at most readTimeoutMs. false: not loaded in time. Past the deadline with
   * nothing cached at all (a store down at start-up), the live state is cached without CRM data, so that the
   * next requests do not each wait for the deadline too; the reload still running replaces it when it ends. */
  private async waitForList(): Promise<boolean> {
    try {
      return await withDeadline(this.refresh(), this.readTimeoutMs, "store read");
    } catch (error) {
      this.log.warn({ err: error instanceof Error ? error.message : error }, "store read failed; serving live state without CRM data");
      if (!this.cache.listComplete && this.cache.isEmpty) this.fillFromLive();
      return false;
    }
  }

  /** The list read again (one reload at a time, shared); true when it was loaded. */
  private refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        // Once synced, the live state has every agent's status and contacts: only the CRM fields come
        // from the store (a few columns, not every contact as JSON). Before, what was stored is served.
        let stored: Map<string, StoredAgent | CrmFields>;
        try {
          stored = await withDeadline(Promise.resolve().then(() => this.readList()), this.reloadTimeoutMs, "store reload");
        } catch (error) {
          this.log.warn({ err: error instanceof Error ? error.message : error }, "store reload failed; keeping the cached list until the next attempt");
          this.cache.keepList();
          return false;
        }
        // In slices, a turn apart: the periodic reload of 2,000 agents must not hold queries for tens of ms.
        const byExtension = new Map<string, StoredAgent | CrmFields | null>(stored);
        for (const extension of this.live.extensions()) if (!byExtension.has(extension)) byExtension.set(extension, null);
        const fill = this.cache.fill();
        let inSlice = 0;
        for (const [extension, agent] of byExtension) {
          if (++inSlice > RELOAD_SLICE) {
            inSlice = 1;
            await nextTurn();
          }
          const merged = this.overlay(extension, agent);
          if (merged) fill.put(merged);
        }
        fill.end();
        return true;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** What a reload reads: the CRM fields once synced (the live state has the rest), else every stored agent. */
  private async readList(): Promise<Map<string, StoredAgent | CrmFields>> {
    if (this.live.hasSynced) return this.store.loadCrmFields();
    return new Map((await this.store.loadAll()).map((agent) => [agent.extension, agent]));
  }

  /** The live state as the list, CRM data unknown (the store did not answer). */
  private fillFromLive(): void {
    const fill = this.cache.fill();
    for (const extension of this.live.extensions()) {
      const agent = this.overlay(extension, null);
      if (agent) fill.put(agent);
    }
    fill.end();
  }

  private async fromStore<T>(read: () => Promise<T>, fallback: T): Promise<T> {
    try {
      // A stalled database must not stall the API: past the deadline the read is abandoned (the pool's
      // query timeout reclaims its connection) and the caller gets the fallback.
      return await withDeadline(Promise.resolve().then(read), this.readTimeoutMs, "store read");
    } catch (error) {
      // The live tracker still knows every status; only CRM names are missing until the store is back.
      this.log.warn({ err: error instanceof Error ? error.message : error }, "store read failed; serving live state without CRM data");
      return fallback;
    }
  }

  /** The live state with the store's CRM fields; without a live state (not synced yet), the stored agent. */
  private overlay(extension: string, stored: StoredAgent | CrmFields | null): StoredAgent | null {
    const live = this.live.get(extension);
    if (!live) return this.live.hasSynced || !stored || !("extension" in stored) ? null : stored;
    return { name: stored?.name ?? null, userId: stored?.userId ?? null, ...live };
  }

  private withStaleness(agent: StoredAgent | null): StoredAgent | null {
    return agent ? withStaleness(agent, this.live.staleOf ? this.live.staleOf(agent.extension) : this.live.isStale) : null;
  }
}

/** Numeric extensions in numeric order, then the rest alphabetically. */
export function compareExtensions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
