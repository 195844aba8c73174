// Apollo plugin: a read-only query whose data has not changed since the last identical request is
// answered with that request's result, without executing it again. Whole-list queries (agents,
// availableAgents) cost milliseconds to execute for thousands of agents; the data changes only on
// events. Keyed by query hash + operation name + variables, valid while `dataVersion()` is unchanged
// and at most `ttlMs` (the status cache's validity, so CRM data still refreshes).
import type { ApolloServerPlugin, GraphQLResponse } from "@apollo/server";
import { HeaderMap } from "@apollo/server";
import { Kind } from "graphql";

interface CachedResponse {
  version: string;
  expiresAt: number;
  result: Record<string, unknown>;
}

/** Top-level fields whose value changes without a data change (counters, clocks) or has side effects. */
const UNCACHEABLE_FIELDS = new Set(["amiStatus"]);
const MAX_ENTRIES = 500;

export function responseCachePlugin<TContext extends object>(options: {
  dataVersion: () => string;
  ttlMs: number;
  /** Results differ by caller (the role hides fields): only callers in the same partition share one. */
  partition?: (context: TContext) => string;
  now?: () => number;
}): ApolloServerPlugin<TContext> {
  const now = options.now ?? Date.now;
  const responses = new Map<string, CachedResponse>();
  return {
    async requestDidStart() {
      let key: string | null = null;
      let version = "";
      // A reused result must not renew its own validity: a client polling faster than the TTL would
      // otherwise keep it forever while no event moves the version, and CRM data (names) never refreshes.
      let reused = false;
      return {
        async responseForOperation(context): Promise<GraphQLResponse | null> {
          const operation = context.operation;
          // No operation (an unknown operationName): Apollo answers 400 after us.
          if (!operation || operation.operation !== "query" || options.ttlMs <= 0) return null;
          const cacheable = operation.selectionSet.selections.every(
            (selection) => selection.kind === Kind.FIELD && !UNCACHEABLE_FIELDS.has(selection.name.value),
          );
          if (!cacheable) return null;
          key = `${options.partition?.(context.contextValue) ?? ""}\u0000${context.queryHash}\u0000${context.operationName ?? ""}\u0000${JSON.stringify(context.request.variables ?? {})}`;
          version = options.dataVersion(); // read before executing: a change during execution makes the result old
          const cached = responses.get(key);
          if (!cached || cached.version !== version || cached.expiresAt <= now()) return null;
          reused = true;
          return { http: { headers: new HeaderMap(), status: undefined }, body: { kind: "single", singleResult: cached.result } };
        },
        async willSendResponse(context) {
          const body = context.response.body;
          if (key === null || reused || body.kind !== "single" || body.singleResult.errors) return;
          if (responses.size >= MAX_ENTRIES && !responses.has(key)) responses.clear();
          responses.set(key, { version, expiresAt: now() + options.ttlMs, result: body.singleResult as Record<string, unknown> });
        },
      };
    },
  };
}
