// Apollo Server for HTTP queries and mutations. Errors are typed; unexpected ones are masked in production.
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError, GraphQLSchema } from "graphql";
import type { Server } from "node:http";
import type { Log } from "../domain/ports.ts";
import type { GraphQLContext } from "./context.ts";
import { validationRules, type CostLimits } from "./schema.ts";
import { responseCachePlugin, type ScopedVersions } from "./response-cache.ts";
import { introspectionGatePlugin } from "./introspection-gate.ts";

export interface ApolloOptions extends CostLimits {
  schema: GraphQLSchema;
  httpServer: Server;
  log: Log;
  maskErrors: boolean;
  maxTokens: number;
  /** Moves whenever query results may change; unchanged → identical queries reuse the last result. */
  dataVersion: () => string;
  /** Versions of results that read only some agents (kept under those agents' own version). */
  scopedVersions?: ScopedVersions<GraphQLContext>;
  responseCacheTtlMs: number;
  /** Results the response cache keeps at most. */
  responseCacheMaxEntries?: number;
  /** How long a stop lets in-flight requests finish (default 10 s). */
  drainMs?: number;
}

/** Query fields whose answer depends only on the agents' data and the users (the cache's data version)
 * and on the caller's role. Not amiStatus (counters), revokedCredentials (moves on a revocation), nor
 * introspection: an operation selecting any other field is executed every time. */
const CACHEABLE_QUERY_FIELDS: ReadonlySet<string> = new Set(["agents", "agent", "availableAgents", "extension", "extensions", "canTransfer", "queues", "__typename"]);

export function createApollo(options: ApolloOptions): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    validationRules: validationRules(options),
    parseOptions: { maxTokens: options.maxTokens },
    includeStacktraceInErrorResponses: !options.maskErrors,
    logger: apolloLogger(options.log),
    // main.ts owns signals and the stop order; Apollo's own handler would stop it a second time and re-raise.
    stopOnTerminationSignals: false,
    // Our own GraphiQL is served at /graphiql; Apollo's landing page would load from a CDN.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer, stopGracePeriodMillis: options.drainMs ?? 10_000 }),
      ApolloServerPluginLandingPageDisabled(),
      ...(options.introspection ? [introspectionGatePlugin<GraphQLContext>()] : []),
      responseCachePlugin<GraphQLContext>({
        dataVersion: options.dataVersion,
        ...(options.scopedVersions ? { scoped: options.scopedVersions } : {}),
        ttlMs: options.responseCacheTtlMs,
        partition: (context) => context.principal?.role ?? "",
        cacheableFields: CACHEABLE_QUERY_FIELDS,
        ...(options.responseCacheMaxEntries ? { maxEntries: options.responseCacheMaxEntries } : {}),
        // Tells the HTTP layer (src/http/response-bytes.ts) it may keep this response's bytes. Apollo runs
        // the operation on a shallow copy of our context: the mark goes into an object both share.
        onCacheable: (context, cacheable) => {
          context.reuse.cacheable = cacheable;
        },
      }),
    ],
    formatError: (formatted, error) => maskError(formatted, error, options),
  });
}

export function maskError(formatted: GraphQLFormattedError, error: unknown, options: { maskErrors: boolean; log: Log }): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code && code !== "INTERNAL_SERVER_ERROR") return formatted;
  options.log.error({ err: unwrapResolverError(error), path: formatted.path }, "unexpected GraphQL error");
  if (!options.maskErrors) return formatted;
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

function apolloLogger(log: Log) {
  return {
    debug: (message: string) => log.debug({}, message),
    info: (message: string) => log.info({}, message),
    warn: (message: string) => log.warn({}, message),
    error: (message: string) => log.error({}, message),
  };
}
