// Apollo plugin: a read-only query whose data has not changed since the last identical request is
// answered with that request's result, without executing it again. Whole-list queries (agents,
// availableAgents) cost milliseconds to execute for thousands of agents; the data changes only on
// events. Keyed by query hash + operation name + variables, valid while `dataVersion()` is unchanged
// and at most `ttlMs` (the status cache's validity, so CRM data still refreshes).
// An operation that read only some agents (agent(extension), canTransfer) is kept under their own
// version (`scoped`): it stays valid while those agents are unchanged, however busy the rest of the PBX
// is. Under a steady AMI load the global version moves every few ms, and no answer was ever reused.
// `onCacheable` tells the HTTP layer which responses are such reusable results, so that it can keep
// their serialised bytes too (src/http/response-bytes.ts) and skip Apollo altogether next time.
import type { ApolloServerPlugin, GraphQLResponse } from "@apollo/server";
import { HeaderMap } from "@apollo/server";
import { Kind } from "graphql";

interface CachedResponse extends Cacheable {
  result: Record<string, unknown>;
}

/** Top-level fields whose value changes without a data change (counters, clocks) or has side effects. */
const UNCACHEABLE_FIELDS = new Set(["amiStatus"]);
/** What a cacheable response's bytes may be reused under: the same data version, until expiresAt. */
export interface Cacheable {
  version: string;
  expiresAt: number;
  /** The extensions the result was read from, when it depends on them only: `version` is theirs. */
  scope?: readonly string[];
}

/** Versions per set of agents read, beside the global one. */
export interface ScopedVersions<TContext> {
  /** Taken before an operation runs. */
  mark(): unknown;
  /** The extensions the operation read, or null when it read every agent (or anything not kept per agent). */
  readsOf(context: TContext): readonly string[] | null;
  /** Whether what these extensions' answers depend on changed after the mark (then the result is not kept). */
  changedSince(extensions: readonly string[], mark: unknown): boolean;
  /** The version of what these extensions' answers depend on. */
  version(extensions: readonly string[]): string;
}

/** Whether a kept result is still what executing again would give (its version is the current one). */
export function isCurrent<TContext>(entry: Cacheable, dataVersion: () => string, scoped: ScopedVersions<TContext> | undefined): boolean {
  return entry.version === (entry.scope && scoped ? scoped.version(entry.scope) : dataVersion());
}

export function responseCachePlugin<TContext extends object>(options: {
  dataVersion: () => string;
  scoped?: ScopedVersions<TContext>;
  ttlMs: number;
  /** Results differ by caller (the role hides fields): only callers in the same partition share one. */
  partition?: (context: TContext) => string;
  now?: () => number;
  /** Only operations whose top-level fields are all in this set are cached (default: any but
   * amiStatus). A field whose value moves without the data version (counters, revocations) must not be in it. */
  cacheableFields?: ReadonlySet<string>;
  /** Results kept at most (default 5,000: every agent(extension) of a large call centre). */
  maxEntries?: number;
  /** Called before the response is sent when it is (or was just stored as) a cached result. */
  onCacheable?: (context: TContext, cacheable: Cacheable) => void;
}): ApolloServerPlugin<TContext> {
  const maxEntries = options.maxEntries ?? 5_000;
  const now = options.now ?? Date.now;
  const responses = new Map<string, CachedResponse>();
  return {
    async requestDidStart() {
      let key: string | null = null;
      let version = "";
      let mark: unknown = null;
      let hit: CachedResponse | null = null;
      return {
        async responseForOperation(context): Promise<GraphQLResponse | null> {
          const operation = context.operation;
          // No operation (an unknown operationName): Apollo answers 400 after us.
          if (!operation || operation.operation !== "query" || options.ttlMs <= 0) return null;
          const cacheable = operation.selectionSet.selections.every(
            (selection) =>
              selection.kind === Kind.FIELD &&
              (options.cacheableFields ? options.cacheableFields.has(selection.name.value) : !UNCACHEABLE_FIELDS.has(selection.name.value)),
          );
          if (!cacheable) return null;
          key = `${options.partition?.(context.contextValue) ?? ""}\u0000${context.queryHash}\u0000${context.operationName ?? ""}\u0000${JSON.stringify(context.request.variables ?? {})}`;
          // Read before executing: a change during execution makes the result old.
          version = options.dataVersion();
          mark = options.scoped?.mark() ?? null;
          const cached = responses.get(key);
          if (!cached || cached.expiresAt <= now() || !isCurrent(cached, () => version, options.scoped)) return null;
          hit = cached; // served as it is: not stored again, so its TTL is not extended by use
          return { http: { headers: new HeaderMap(), status: undefined }, body: { kind: "single", singleResult: cached.result } };
        },
        async willSendResponse(context) {
          const body = context.response.body;
          if (key === null || body.kind !== "single" || body.singleResult.errors) return;
          let entry = hit;
          if (!entry) {
            const scope = options.scoped?.readsOf(context.contextValue) ?? null;
            if (scope && options.scoped!.changedSince(scope, mark)) return; // read while it changed: not kept
            if (responses.size >= maxEntries && !responses.has(key)) responses.clear();
            const result = body.singleResult as Record<string, unknown>;
            entry = { version: scope ? options.scoped!.version(scope) : version, ...(scope ? { scope } : {}), expiresAt: now() + options.ttlMs, result };
            responses.set(key, entry);
          }
          // Not the entry itself: the HTTP layer keeps what it is given, and the result object is not its to keep.
          options.onCacheable?.(context.contextValue, { version: entry.version, expiresAt: entry.expiresAt, ...(entry.scope ? { scope: entry.scope } : {}) });
        },
      };
    },
  };
}
