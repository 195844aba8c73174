// One HTTP server: GraphQL over HTTP and graphql-ws on /graphql, GraphiQL, REST and probes.
// close() drains: stop accepting, end WebSocket subscriptions, let in-flight requests finish.
// Slow or oversized requests are answered, not just cut: 408 past the header/request deadlines,
// 431 for headers over the size limit, 400 for anything else malformed.
import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import type { GraphQLSchema } from "graphql";
import type { Log } from "../domain/ports.ts";
import { createApollo } from "../graphql/apollo.ts";
import { createContext, type GraphQLContext, type GraphQLServices } from "../graphql/context.ts";
import type { ScopedVersions } from "../graphql/response-cache.ts";
import type { Authenticator } from "./auth.ts";
import { HttpError } from "./body.ts";
import { serveGraphiQL } from "./graphiql.ts";
import { handleGraphQLHttp } from "./graphql-http.ts";
import { ResponseBytes } from "./response-bytes.ts";
import { attachGraphQLWs } from "./graphql-ws.ts";
import { handleRest, sendJson, type Probes } from "./rest.ts";
import { handleCors } from "./cors.ts";
import { serveStatic } from "./static-files.ts";

export interface HttpOptions {
  host: string;
  port: number;
  schema: GraphQLSchema;
  services: GraphQLServices;
  probes: Probes;
  log: Log;
  authenticator: Authenticator;
  graphiql: boolean;
  introspection: boolean;
  maskErrors: boolean;
  maxDepth: number;
  maxTokens: number;
  maxAliases: number;
  maxDirectives: number;
  maxCost: number;
  maxPayloadBytes?: number;
  maxSubscriptionsPerConnection?: number;
  maxConnectionsPerIp?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxHeaderBytes?: number;
  bodyLimitBytes?: number;
  /** Browser origins allowed besides the page's own (CORS on HTTP, Origin on the WebSocket upgrade); ["*"]: any. */
  corsOrigins?: readonly string[];
  /** Folder of the built web app served at `/` (null: none). */
  webRoot?: string | null;
  /** One GraphQL execution per event and cohort of identical subscriptions (default true). */
  sharedExecution?: boolean;
  /** Identical read-only queries reuse the last result while the data is unchanged, at most this long (0: off). */
  responseCacheTtlMs?: number;
  /** Cached results at most (default 5,000), and bytes of their serialised form at most (default 32 MiB; 0: not kept). */
  responseCacheMaxEntries?: number;
  responseCacheMaxBytes?: number;
  /** How long close() lets in-flight requests finish before closing their sockets (default 10 s). */
  drainMs?: number;
  /** Calls its listener when credentials may have been revoked: open WebSockets are checked then. */
  onRevocationsChanged?: (listener: () => void) => () => void;
}

export interface HttpServer {
  readonly server: Server;
  start(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
  wsConnections(): number;
}

export function createHttpServer(options: HttpOptions): HttpServer {
  const log = options.log;
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server = createServer({
    headersTimeout,
    requestTimeout: Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout),
    maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
    // Node checks both deadlines on this interval (default 30 s): check often enough to honour them.
    connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.floor(headersTimeout / 2))),
  });
  // Users regroup agents without any AMI event: their version is part of the data's.
  const dataVersion = memoizedVersion(() => options.services.reader.version, () => options.services.directory().fingerprint);
  const scoped = scopedVersions(options.services);
  const maxEntries = options.responseCacheMaxEntries ?? 5_000;
  const responseBytes = new ResponseBytes({
    dataVersion,
    scoped,
    confirmedUntil: () => options.services.reader.confirmedUntil,
    maxEntries,
    maxBytes: options.responseCacheMaxBytes ?? 32 * 1024 * 1024,
  });
  const apollo = createApollo({
    ...options,
    httpServer: server,
    dataVersion,
    scopedVersions: scoped,
    responseCacheTtlMs: options.responseCacheTtlMs ?? 0,
    responseCacheMaxEntries: maxEntries,
  });
  const context = (principal: Parameters<typeof createContext>[1]) => createContext(options.services, principal);
  const corsOrigins = options.corsOrigins ?? [];
  const ws = attachGraphQLWs({
    ...options,
    httpServer: server,
    path: "/graphql",
    createContext: context,
    maxPayloadBytes: options.maxPayloadBytes ?? 64 * 1024,
    corsOrigins,
    maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection ?? 25,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 500,
  });

  server.on("request", (req, res) => {
    const { path, search } = routeOf(req.url ?? "/");
    const method = req.method ?? "GET";
    const route = async () => {
      const cors = handleCors(req, res, corsOrigins);
      if (cors.kind === "answered") return;
      if (path === "/graphql") {
        if (method === "GET" && options.graphiql && (req.headers.accept ?? "").includes("text/html")) {
          res.writeHead(302, { location: "/graphiql" }).end();
          return;
        }
        // An allow-listed Origin is not a forgery: such requests need no CSRF preflight header (a GET from
        // urql's defaults). Everything else keeps Apollo's CSRF prevention.
        await handleGraphQLHttp(apollo, context, options.authenticator, req, res, search, bodyLimit, cors.crossOrigin ? { "apollo-require-preflight": "true" } : {}, responseBytes);
        return;
      }
      if (options.graphiql && method === "GET" && serveGraphiQL(path, res)) return;
      if (options.webRoot && (method === "GET" || method === "HEAD") && (await serveStatic(options.webRoot, path, res, method))) return;
      if (await handleRest(req, path, res, options.services, options.probes, options.authenticator)) return;
      sendJson(res, 404, { error: `no route for ${method} ${path}` });
    };
    route().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) log.error({ err: error, method, path }, "request failed");
      if (!res.headersSent) sendJson(res, status, { error: status === 500 && options.maskErrors ? "internal error" : String((error as Error).message ?? error) });
      else res.destroy();
    });
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    log.debug({ err: error.message, code: error.code }, "malformed or slow HTTP request");
    const status =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : error.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    if (socket.writable && !(socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  return {
    server,
    wsConnections: () => ws.connections(),
    async start() {
      await apollo.start();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      const host = options.host === "0.0.0.0" || options.host === "::" ? "localhost" : options.host;
      return { port, url: `http://${host}:${port}` };
    },
    async close() {
      await ws.close();
      await apollo.stop(); // drains the HTTP server (the drain plugin)
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The path (normalised as WHATWG URL does) and query string of a request target. The API's own path is
 * recognised as it is, without building a URL object: it is every GraphQL request's path. */
export function routeOf(target: string): { path: string; search: string } {
  const query = target.indexOf("?");
  const rawPath = query < 0 ? target : target.slice(0, query);
  if (rawPath === "/graphql") return { path: rawPath, search: query < 0 || query === target.length - 1 ? "" : target.slice(query) };
  const url = new URL(target, "http://localhost");
  return { path: url.pathname, search: url.search };
}

/** Versions of what an operation that read some agents depends on: their cache entries, the staleness and
 * the users (a user's other extensions are read with the one asked for, so a regrouping shows as a read). */
function scopedVersions(services: GraphQLServices): ScopedVersions<GraphQLContext> {
  return {
    mark: () => ({ changes: services.reader.mark, users: services.directory().fingerprint }),
    readsOf: (context) => (context.loaders.reads.all ? null : [...context.loaders.reads.extensions]),
    changedSince: (extensions, mark) => {
      const { changes, users } = mark as { changes: number; users: string };
      return users !== services.directory().fingerprint || services.reader.changedSince(extensions, changes);
    },
    version: (extensions) => `${services.reader.scopedVersion(extensions)}:${services.directory().fingerprint}`,
  };
}

/** `${a()}:${b()}` as the same string object while both parts are unchanged (compared first by
 * identity, then by content): a cached response's version check then costs no concatenation. */
function memoizedVersion(a: () => string, b: () => string): () => string {
  let lastA = "";
  let lastB = "";
  let last = ":";
  return () => {
    const nextA = a();
    const nextB = b();
    if (nextA !== lastA || nextB !== lastB) {
      lastA = nextA;
      lastB = nextB;
      last = `${nextA}:${nextB}`;
    }
    return last;
  };
}
