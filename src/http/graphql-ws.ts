// graphql-ws on the same HTTP server and path as Apollo. Every subscribe message is parsed with the
// same token limit and validated with the same rules as HTTP operations. Events are executed once per
// cohort of identical subscriptions (SharedExecution) unless sharedExecution is false, which restores
// graphql-ws's default of one execution per subscriber per event (the benchmark's baseline).
import type { Server } from "node:http";
import { GraphQLError, parse, validate, specifiedRules, getOperationAST, type GraphQLSchema, type DocumentNode } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Log } from "../domain/ports.ts";
import type { GraphQLContext } from "../graphql/context.ts";
import { SharedExecution } from "../events/shared-execution.ts";
import { validationRules } from "../graphql/schema.ts";
import { isAllowedOrigin } from "./origin.ts";

export interface GraphQLWsOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  createContext: () => GraphQLContext;
  log: Log;
  introspection: boolean;
  maxDepth: number;
  maxTokens: number;
  maxPayloadBytes: number;
  /** Browser origins allowed to open a socket besides the page's own (["*"]: any); no Origin: not a browser, allowed. */
  corsOrigins: readonly string[];
  /** Default true. */
  sharedExecution?: boolean;
}

export function attachGraphQLWs(options: GraphQLWsOptions): { close(): Promise<void>; connections(): number } {
  // noServer: upgrades are routed here by hand. With `server:` ws re-emits the HTTP server's own errors
  // (EADDRINUSE) on the WebSocket server, where graphql-ws prints them raw to the console.
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  options.httpServer.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== options.path) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    if (!isAllowedOrigin(req, options.corsOrigins)) {
      options.log.info({ origin: req.headers.origin }, "WebSocket upgrade refused: origin not allowed");
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => wss.emit("connection", client, req));
  });
  const rules = [...specifiedRules, ...validationRules(options)];
  // Subscribing is CPU-heavy without a cache (graphql-ws #396): reuse parsed+validated documents.
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  const prepare = (query: string): DocumentNode | readonly GraphQLError[] => {
    const cached = documents.get(query);
    if (cached) return cached;
    let result: DocumentNode | readonly GraphQLError[];
    try {
      const document = parse(query, { maxTokens: options.maxTokens });
      const errors = validate(options.schema, document, rules);
      result = errors.length > 0 ? errors : document;
    } catch (error) {
      result = [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    if (documents.size > 500) documents.clear();
    documents.set(query, result);
    return result;
  };
  const shared = options.sharedExecution === false ? undefined : new SharedExecution();
  const cleanup = useServer<Record<string, unknown> | undefined>(
    {
      schema: options.schema,
      ...(shared ? { subscribe: shared.subscribe } : {}),
      onSubscribe: (_ctx, _id, payload) => {
        const prepared = prepare(payload.query);
        if (!("kind" in prepared)) return prepared;
        const operation = getOperationAST(prepared, payload.operationName);
        if (!operation) return [new GraphQLError("no operation to execute")];
        return {
          schema: options.schema,
          document: prepared,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: options.createContext(),
        };
      },
      onError: (_ctx, _id, _payload, errors) => {
        options.log.debug({ errors: errors.map((e) => e.message) }, "graphql-ws operation error");
      },
    },
    wss,
  );
  wss.on("error", (error) => options.log.error({ err: error }, "websocket server error"));
  return {
    connections: () => wss.clients.size,
    close: async () => {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
