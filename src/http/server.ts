// One HTTP server: GraphQL over HTTP and graphql-ws on /graphql, GraphiQL, REST and probes.
// close() drains: stop accepting, end WebSocket subscriptions, let in-flight requests finish.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { GraphQLSchema } from "graphql";
import type { Log } from "../domain/ports.ts";
import { createApollo } from "../graphql/apollo.ts";
import { createContext, type GraphQLServices } from "../graphql/context.ts";
import { HttpError } from "./body.ts";
import { serveGraphiQL } from "./graphiql.ts";
import { handleGraphQLHttp } from "./graphql-http.ts";
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
  graphiql: boolean;
  introspection: boolean;
  maskErrors: boolean;
  maxDepth: number;
  maxTokens: number;
  bodyLimitBytes?: number;
  /** Browser origins allowed besides the page's own (CORS on HTTP, Origin on the WebSocket upgrade); ["*"]: any. */
  corsOrigins?: readonly string[];
  /** Folder of the built web app served at `/` (null: none). */
  webRoot?: string | null;
  /** One GraphQL execution per event and cohort of identical subscriptions (default true). */
  sharedExecution?: boolean;
  /** Identical read-only queries reuse the last result while the data is unchanged, at most this long (0: off). */
  responseCacheTtlMs?: number;
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
  const server = createServer();
  const apollo = createApollo({
    ...options,
    httpServer: server,
    // Users regroup agents without any AMI event: their version is part of the data's.
    dataVersion: () => `${options.services.reader.version}:${options.services.directory().fingerprint}`,
    responseCacheTtlMs: options.responseCacheTtlMs ?? 0,
  });
  const context = () => createContext(options.services);
  const corsOrigins = options.corsOrigins ?? [];
  const ws = attachGraphQLWs({ ...options, httpServer: server, path: "/graphql", createContext: context, maxPayloadBytes: bodyLimit, corsOrigins });

  server.on("request", (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
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
        await handleGraphQLHttp(apollo, context, req, res, bodyLimit, cors.crossOrigin ? { "apollo-require-preflight": "true" } : {});
        return;
      }
      if (options.graphiql && method === "GET" && serveGraphiQL(path, res)) return;
      if (options.webRoot && (method === "GET" || method === "HEAD") && (await serveStatic(options.webRoot, path, res, method))) return;
      if (await handleRest(method, path, res, options.services, options.probes)) return;
      sendJson(res, 404, { error: `no route for ${method} ${path}` });
    };
    route().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) log.error({ err: error, method, path }, "request failed");
      if (!res.headersSent) sendJson(res, status, { error: status === 500 && options.maskErrors ? "internal error" : String((error as Error).message ?? error) });
      else res.destroy();
    });
  });
  server.on("clientError", (error, socket) => {
    log.debug({ err: error }, "malformed HTTP request");
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
