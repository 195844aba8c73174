// graphql-ws on the same HTTP server and path as Apollo. Every subscribe message is parsed with the
// same token limit and validated with the same rules as HTTP operations. Events are executed once per
// cohort of identical subscriptions (SharedExecution) unless sharedExecution is false, which restores
// graphql-ws's default of one execution per subscriber per event (the benchmark's baseline).
//
// Before the protocol: the upgrade's Origin must be the page's own or in CORS_ORIGINS (a cross-site
// page cannot ride a user's network position), and one client address holds a bounded number of
// sockets. In the protocol: connection_init carries the credentials (4401 without valid ones, 4403
// when refused), the socket is closed with 4403 when the token expires, and one connection holds a
// bounded number of subscriptions.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, parse, validate, specifiedRules, getOperationAST, type GraphQLSchema, type DocumentNode } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Log } from "../domain/ports.ts";
import type { GraphQLContext } from "../graphql/context.ts";
import { ARGUMENT_FREE_EVENT_FIELDS } from "../graphql/resolvers/subscription.ts";
import { SharedExecution, type Delivery } from "../events/shared-execution.ts";
import { validationRules, type CostLimits } from "../graphql/schema.ts";
import { credentialsFromConnectionParams, type Authenticator, type Principal } from "./auth.ts";
import { isAllowedOrigin } from "./origin.ts";

export interface GraphQLWsOptions extends CostLimits {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  createContext: (principal: Principal | null) => GraphQLContext;
  authenticator: Authenticator;
  log: Log;
  maxTokens: number;
  maxPayloadBytes: number;
  /** Browser origins allowed to open a socket besides the page's own (["*"]: any); no Origin: not a browser, allowed. */
  corsOrigins: readonly string[];
  maxSubscriptionsPerConnection: number;
  maxConnectionsPerIp: number;
  /** Default true. */
  sharedExecution?: boolean;
  /** Calls its listener whenever credentials may have been revoked: open sockets are checked then. */
  onRevocationsChanged?: (listener: () => void) => () => void;
  now?: () => number;
}

export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;

interface Connection {
  principal: Principal | null;
  expiry: NodeJS.Timeout | undefined;
  /** Operations refused for the cap: a client that keeps trying is closed. */
  refused: number;
}

export const CLOSE_TOO_MANY = 4429;

/** Bytes a socket may have waiting to be sent before its subscriptions stop writing and queue instead
 * (where a slow dashboard gets the latest state per agent rather than every step). */
const SOCKET_HIGH_WATER_BYTES = 256 * 1024;

/**
 * Writes a subscription's frames to its socket without a promise per message; see Delivery.
 *
 * A frame is the whole WebSocket text frame (wsTextFrame), made once per cohort and event and written
 * as it is to the TCP socket under ws: ws.send would merge its options, allocate and write a header per
 * socket, and pass a second buffer to every writev. This keeps ws's order because its Sender writes
 * straight through while nothing is being compressed (perMessageDeflate is off on this server, and it
 * never sends Blobs), and ws's bufferedAmount counts these bytes (it reads the socket's own buffer).
 *
 * The frames of one event-loop turn go out in one write per socket: `corker` corks the TCP socket at the
 * first and uncorks every corked socket once the turn's synchronous work is done.
 */
function deliveryTo(socket: WebSocket, id: string, corker: TurnCorker): Delivery {
  // ws 8 keeps its net.Socket in `_socket` from the handshake on.
  const raw = (socket as unknown as { _socket?: Duplex })._socket;
  return {
    id,
    frame: wsTextFrame,
    write(frame, drained) {
      // A closing socket gets nothing more (graphql-ws's own send does the same).
      if (socket.readyState !== socket.OPEN || !raw || !raw.writable) return true;
      corker.cork(raw);
      if (raw.writableLength + frame.length <= SOCKET_HIGH_WATER_BYTES) {
        raw.write(frame);
        return true;
      }
      // Backed up: this frame goes, the next ones wait for it to be flushed (or the socket to fail).
      raw.write(frame, () => drained());
      return false;
    },
  };
}

/** An unmasked, final WebSocket text frame carrying `message` (RFC 6455 §5.2: a server never masks). */
export function wsTextFrame(message: string): Buffer {
  const length = Buffer.byteLength(message);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(message, header);
  return frame;
}

interface TurnCorker {
  cork(socket: Duplex): void;
}

/** Corks a TCP socket until the end of the current turn (once per socket per turn; one tick for all). */
function turnCorker(): TurnCorker {
  let corked: Duplex[] = [];
  const uncorkAll = () => {
    const sockets = corked;
    corked = [];
    for (const socket of sockets) socket.uncork();
  };
  return {
    cork(socket) {
      // Corked already: by us this turn (ws corks only inside its own synchronous send).
      if (socket.writableCorked > 0) return;
      socket.cork();
      if (corked.push(socket) === 1) process.nextTick(uncorkAll);
    },
  };
}

export function attachGraphQLWs(options: GraphQLWsOptions): { close(): Promise<void>; connections(): number } {
  const now = options.now ?? Date.now;
  // noServer: upgrades are routed here by hand. With `server:` ws re-emits the HTTP server's own errors
  // (EADDRINUSE) on the WebSocket server, where graphql-ws prints them raw to the console.
  // perMessageDeflate off (ws's default, said here because deliveryTo relies on it).
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false });
  const perAddress = new Map<string, number>();
  const connections = new WeakMap<WebSocket, Connection>();
  const corker = turnCorker();

  options.httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws owns the socket, its errors are ours: a client resetting a refused upgrade must not
    // become an unhandled 'error' event (that ends the process).
    const ignoreError = () => {};
    socket.on("error", ignoreError);
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (new URL(req.url ?? "/", "http://localhost").pathname !== options.path) return refuse("404 Not Found");
    if (!isAllowedOrigin(req, options.corsOrigins)) {
      options.log.info({ origin: req.headers.origin }, "WebSocket upgrade refused: origin not allowed");
      return refuse("403 Forbidden");
    }
    const address = req.socket.remoteAddress ?? "unknown";
    const open = perAddress.get(address) ?? 0;
    if (open >= options.maxConnectionsPerIp) {
      options.log.warn({ address, open }, "WebSocket upgrade refused: too many connections from this address");
      return refuse("429 Too Many Requests");
    }
    perAddress.set(address, open + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    };
    socket.once("close", release);
    wss.handleUpgrade(req, socket, head, (client) => {
      client.once("close", () => {
        release();
        clearTimeout(connections.get(client)?.expiry);
      });
      wss.emit("connection", client, req);
      // graphql-ws console.errors every socket error (a peer's oversized frame, a protocol violation):
      // a client could flood stderr. ws has already closed such a socket (e.g. 1009); log it quietly.
      client.removeAllListeners("error");
      client.on("error", (error) => options.log.debug({ err: error.message, address }, "WebSocket client error"));
    });
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
  // A role hides fields: subscribers share an execution only with callers of the same role.
  const deliveries = new WeakMap<object, Delivery>();
  const shared =
    options.sharedExecution === false
      ? undefined
      : new SharedExecution(
          (context) => (context as GraphQLContext | undefined)?.principal?.role ?? "",
          (context) => (typeof context === "object" && context !== null ? deliveries.get(context) : undefined),
          ARGUMENT_FREE_EVENT_FIELDS,
        );
  const cleanup = useServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: options.schema,
      ...(shared ? { subscribe: shared.subscribe } : {}),
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const result = await options.authenticator.authenticate(credentialsFromConnectionParams(ctx.connectionParams));
        if (!result.ok) {
          options.log.info({ reason: result.reason, status: result.status }, "graphql-ws connection refused");
          socket.close(result.status === 401 ? CLOSE_UNAUTHENTICATED : CLOSE_FORBIDDEN, result.status === 401 ? "Unauthorized" : "Forbidden");
          return false;
        }
        const connection: Connection = { principal: result.principal, expiry: undefined, refused: 0 };
        const expiresAt = result.principal.expiresAt;
        if (expiresAt !== null) {
          // The credential stops being valid mid-subscription: the client must re-authenticate.
          connection.expiry = setTimeout(() => socket.close(CLOSE_FORBIDDEN, "Token expired"), Math.min(Math.max(0, expiresAt - now()), 2 ** 31 - 1));
          connection.expiry.unref();
        }
        connections.set(socket, connection);
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        const connection = connections.get(ctx.extra.socket);
        // graphql-ws registers this operation before calling us: it counts itself.
        if (Object.keys(ctx.subscriptions).length > options.maxSubscriptionsPerConnection) {
          // A client that ignores the refusals (e.g. 10,000 subscribes in a row) is cut off: each one costs us a reply.
          if (connection && ++connection.refused > options.maxSubscriptionsPerConnection) ctx.extra.socket.close(CLOSE_TOO_MANY, "Too many operations");
          return [new GraphQLError(`at most ${options.maxSubscriptionsPerConnection} operations per connection`, { extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } })];
        }
        const prepared = prepare(payload.query);
        if (!("kind" in prepared)) return prepared;
        const operation = getOperationAST(prepared, payload.operationName);
        if (!operation) return [new GraphQLError("no operation to execute", { extensions: { code: "BAD_USER_INPUT" } })];
        const contextValue = options.createContext(connection?.principal ?? null);
        if (shared) deliveries.set(contextValue, deliveryTo(ctx.extra.socket, id, corker));
        return {
          schema: options.schema,
          document: prepared,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onError: (_ctx, _id, _payload, errors) => {
        options.log.debug({ errors: errors.map((e) => e.message) }, "graphql-ws operation error");
      },
    },
    wss,
  );
  wss.on("error", (error) => options.log.error({ err: error }, "websocket server error"));
  // A revoked credential loses its open sockets too, as an expired one does: the client must re-authenticate.
  const stopWatchingRevocations = options.onRevocationsChanged?.(() => {
    for (const client of wss.clients) {
      const principal = connections.get(client)?.principal;
      if (principal && options.authenticator.isRevoked(principal)) {
        options.log.info({ subject: principal.subject }, "graphql-ws connection closed: credentials revoked");
        client.close(CLOSE_FORBIDDEN, "Credentials revoked");
      }
    }
  });
  return {
    connections: () => wss.clients.size,
    close: async () => {
      stopWatchingRevocations?.();
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
