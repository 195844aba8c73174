// The AMI session: the only file that touches `asterisk-manager`. The library parses frames well
// (CRLF split with carry-over, banner skipped) but its lifecycle is unusable, so this class owns it:
// connect → Login → `Events: on` → ready; Ping heartbeat; reconnect after any loss with capped,
// jittered backoff; per-action deadlines; list collection by ActionID; rejection on loss.
//
// Nothing a peer sends may end the process. The library re-emits every response's ActionID as an
// event name on its own emitter (`ActionID: rawevent` would recurse into its parser), so its parse
// handler is removed: responses go to our pending actions by id and no peer-chosen name is ever
// emitted, except the library's own login callback id. Its socket (caught through Node's
// `net.client.socket` diagnostics channel) is read by us instead of the library's reader (which
// re-splits its carry-over on every chunk): size caps (StreamGuard), the arrival time of bytes (so our
// own backlog cannot fail a Ping), then AmiMessageReader, which yields the library's message shape.
// Messages are handled a slice per event-loop turn, so a flood cannot starve HTTP. The socket keeps
// being read meanwhile: Asterisk drops a session whose write blocks longer than its `writetimeout`
// (100 ms by default), so leaving a restart burst in the kernel's buffers would lose the session in the
// middle of it. What waits is kept as the text it arrived as and parsed when its turn comes (parsed
// messages waiting would be copied by every young-generation GC until handled); only more than
// `maxBacklogBytes` of it waiting pauses the socket (memory bound).
//
// One library instance per connection attempt: its parser state (partial lines) and its held-action
// queue live per instance, so nothing from a dead socket can leak into the next session. Every
// listener checks that its session is still the current one. The socket is created with our own
// AbortSignal (the library passes an options object in `port` straight to net.createConnection),
// so a dead peer's socket is destroyed, not just `end()`ed.
import Manager from "asterisk-manager";
import diagnostics from "node:diagnostics_channel";
import type { Socket } from "node:net";
import type { Log } from "../domain/ports.ts";
import {
  AmiConnectionLostError,
  AmiInvalidActionError,
  AmiNotConnectedError,
  AmiResponseError,
  AmiTimeoutError,
} from "./ami-errors.ts";
import {
  singleHeader,
  toAmiEvent,
  toAmiResponse,
  type AmiActionFields,
  type AmiEvent,
  type AmiListResult,
  type AmiRawMessage,
  type AmiResponse,
} from "./ami-messages.ts";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
import { PendingActions } from "./pending-actions.ts";
import { AmiMessageReader } from "./message-reader.ts";
import { DEFAULT_STREAM_LIMITS, StreamGuard, type StreamLimits } from "./stream-guard.ts";

type ManagerInstance = ReturnType<typeof Manager>;

export interface HeartbeatOptions {
  /** Pause between a Pong and the next Ping. */
  intervalMs: number;
  /** A Ping not answered within this declares the peer dead. interval + timeout ≤ 30 s. */
  timeoutMs: number;
}

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** TCP connect + Login + Events must finish within this (default 10 s). */
  connectTimeoutMs?: number;
  /** Default deadline of action() / listAction() (default 10 s). */
  actionTimeoutMs?: number;
  heartbeat?: HeartbeatOptions;
  backoff?: BackoffOptions;
  /** Caps on incoming lines and messages; past them the session is dropped (and resynced on the next login). */
  limits?: Partial<StreamLimits>;
  /** Messages handled per event-loop turn before yielding to other work (default 200). */
  messagesPerTurn?: number;
  /** Bytes waiting to be handled past which the socket is paused until half of them are (default 64 MiB). */
  maxBacklogBytes?: number;
  /** [0, 1); injectable for deterministic backoff. */
  random?: () => number;
  now?: () => number;
}

export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 10_000, timeoutMs: 10_000 };

export type AmiClientState = "stopped" | "connecting" | "logging-in" | "ready" | "waiting";

export type AmiDisconnectCause = "connect-failed" | "login-failed" | "connection-lost" | "heartbeat-timeout" | "protocol-error" | "requested";

export interface AmiDisconnect {
  cause: AmiDisconnectCause;
  reason: string;
  /** The session had been logged in (false: an attempt to connect or log in failed). */
  wasReady: boolean;
  retryInMs: number;
}

/** Called synchronously from the socket reader: must not block. */
export interface AmiClientHandlers {
  /** Logged in with events on: resync now. */
  onReady(): void;
  /** A live event (never an item of one of our list actions). */
  onEvent(event: AmiEvent): void;
  /** A damaged frame was seen (a line that is not a header): an event may be lost, resync. */
  onMalformed?(reason: string): void;
  onDisconnected(info: AmiDisconnect): void;
}

export interface AmiClientStats {
  state: AmiClientState;
  /** TCP connected (possibly still logging in). */
  connected: boolean;
  loggedIn: boolean;
  /** Sessions re-established after a loss. */
  reconnects: number;
  /** Connection or login attempts that failed. */
  failedAttempts: number;
  /** Epoch ms of the last event received (live or list item). */
  lastEventAt: number | null;
  lastError: string | null;
  pendingActions: number;
  /** Events carrying an ActionID nobody waits for (late list items): dropped. */
  strayEvents: number;
  /** Sessions dropped for a line or message over the caps. */
  oversized: number;
  /** Damaged frames seen (lines that are not headers). */
  malformedFrames: number;
}

export interface ActionOptions {
  timeoutMs?: number;
}

interface Session {
  readonly manager: ManagerInstance;
  readonly abort: AbortController;
  readonly pending: PendingActions;
  readonly closed: Promise<void>;
  tcpConnected: boolean;
  socketError: string | null;
  /** When the last bytes arrived (a flood delays our Pong behind our own backlog, not a dead peer). */
  lastDataAt: number;
  /** Text received but not parsed yet (from chunkHead on), and its length. */
  chunks: string[];
  chunkHead: number;
  /** Where reading stopped in the chunk at chunkHead. */
  chunkOffset: number;
  waitingBytes: number;
  /** Parses `chunks` into `backlog` (set once the socket is ours). */
  reader: AmiMessageReader | null;
  /** Messages parsed but not handled yet (from backlogHead on): handled a slice per event-loop turn. */
  backlog: unknown[];
  backlogHead: number;
  draining: boolean;
  /** The socket is paused because more than maxBacklogBytes wait. */
  backlogFull: boolean;
  socket: Socket | null;
}

/** Names the library itself emits: a response's ActionID must never reach one of them. */
const LIBRARY_EVENTS = new Set(["rawevent", "managerevent", "response", "asterisk", "error", "connect", "close", "end", "userevent"]);
const SOCKET_CHANNEL = "net.client.socket";

const HEADER_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const LOGOFF_TIMEOUT_MS = 1_000;

export class AmiClient {
  private readonly connectTimeoutMs: number;
  private readonly actionTimeoutMs: number;
  private readonly heartbeat: HeartbeatOptions;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly endpoint: string;
  private readonly messagesPerTurn: number;
  private readonly maxBacklogBytes: number;

  private state: AmiClientState = "stopped";
  private session: Session | null = null;
  private stopping = false;
  private everReady = false;
  private attempt = 0;
  private actionSeq = 0;
  private connectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private reconnects = 0;
  private failedAttempts = 0;
  private strayEvents = 0;
  private oversized = 0;
  private malformedFrames = 0;
  private lastEventAt: number | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly options: AmiClientOptions,
    private readonly handlers: AmiClientHandlers,
    private readonly log: Log,
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.actionTimeoutMs = options.actionTimeoutMs ?? 10_000;
    this.heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.endpoint = `${options.host}:${options.port}`;
    this.messagesPerTurn = options.messagesPerTurn ?? 200;
    this.maxBacklogBytes = options.maxBacklogBytes ?? 64 * 1024 * 1024;
  }

  start(): void {
    if (this.state !== "stopped") return;
    this.stopping = false;
    this.open();
  }

  /** Logs off, closes the socket, rejects pending actions, clears every timer; no reconnect. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    const session = this.session;
    if (session && this.state === "ready") {
      await this.send(session, { Action: "Logoff" }, LOGOFF_TIMEOUT_MS, "single").catch(() => undefined);
    }
    if (this.session === session && session) this.end(session, new AmiConnectionLostError(`AMI client for ${this.endpoint} stopped`));
    this.state = "stopped";
    if (session) await session.closed;
  }

  /** Drops the current session at once and reconnects with backoff (e.g. Asterisk announced Shutdown). */
  reconnect(reason: string): void {
    if (this.session) this.lose(this.session, "requested", reason);
  }

  /** Resolves with the response; rejects on `Response: Error`, timeout, loss, or at once when not logged in. */
  action(fields: AmiActionFields, options: ActionOptions = {}): Promise<AmiResponse> {
    if (this.state !== "ready" || !this.session) return this.notConnected(fields);
    return this.send(this.session, fields, options.timeoutMs ?? this.actionTimeoutMs, "single");
  }

  /** Collects every item event until `…Complete`; an empty-list error ("No Contacts found") resolves with no items. */
  listAction(fields: AmiActionFields, options: ActionOptions = {}): Promise<AmiListResult> {
    if (this.state !== "ready" || !this.session) return this.notConnected(fields);
    return this.send(this.session, fields, options.timeoutMs ?? this.actionTimeoutMs, "list");
  }

  stats(): AmiClientStats {
    return {
      state: this.state,
      connected: this.session?.tcpConnected ?? false,
      loggedIn: this.state === "ready",
      reconnects: this.reconnects,
      failedAttempts: this.failedAttempts,
      lastEventAt: this.lastEventAt,
      lastError: this.lastError,
      pendingActions: this.session?.pending.size ?? 0,
      strayEvents: this.strayEvents,
      oversized: this.oversized,
      malformedFrames: this.malformedFrames,
    };
  }

  private open(): void {
    this.state = "connecting";
    const abort = new AbortController();
    // No port: the library would connect and log in on its own (with the wrong `Event:` header).
    const manager = Manager(undefined, this.options.host, this.options.username, this.options.secret, true);
    let markClosed: () => void = () => {};
    const session: Session = {
      manager,
      abort,
      pending: new PendingActions((actionId) => manager.removeAllListeners(actionId)),
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
      tcpConnected: false,
      socketError: null,
      lastDataAt: 0,
      chunks: [],
      chunkHead: 0,
      chunkOffset: 0,
      waitingBytes: 0,
      reader: null,
      backlog: [],
      backlogHead: 0,
      draining: false,
      backlogFull: false,
      socket: null,
    };
    this.session = session;
    // The library's parse handler emits peer-chosen ActionIDs as event names: never let it run.
    // (Its reader is replaced by ours in guard(), so nothing emits `rawevent` any more.)
    manager.removeAllListeners("rawevent");

    manager.on("error", (error) => {
      // The library passes socket errors here; an event named "Error" would arrive here too.
      if (this.session === session && error instanceof Error) session.socketError = error.message;
    });
    manager.on("connect", () => {
      if (this.session !== session || this.state !== "connecting") return;
      session.tcpConnected = true;
      this.login(session);
    });
    const onSocketGone = (): void => {
      // Guard against an AMI event literally named "Close"/"End" re-emitted under that name.
      if (manager.isConnected()) return;
      markClosed();
      if (this.session !== session) return;
      const cause = this.state === "ready" ? "connection-lost" : "connect-failed";
      this.lose(session, cause, session.socketError ?? "connection closed by Asterisk");
    };
    manager.on("close", onSocketGone);
    manager.on("end", onSocketGone);

    this.connectTimer = setTimeout(
      () => this.lose(session, "connect-failed", `no AMI session within ${this.connectTimeoutMs} ms`),
      this.connectTimeoutMs,
    );
    // The library keeps its socket private; Node announces every client socket on this channel, synchronously.
    let socket: Socket | undefined;
    const catchSocket = (message: unknown) => {
      socket ??= (message as { socket: Socket }).socket;
    };
    diagnostics.subscribe(SOCKET_CHANNEL, catchSocket);
    try {
      manager.connect({ host: this.options.host, port: this.options.port, signal: abort.signal });
    } finally {
      diagnostics.unsubscribe(SOCKET_CHANNEL, catchSocket);
    }
    if (socket) this.guard(session, socket);
    else {
      // Not seen on any supported Node; without the socket there are no caps, but nothing is lost.
      this.log.warn({ host: this.options.host, port: this.options.port }, "AMI socket not caught: the library's reader parses it, without size caps");
      manager.on("rawevent", (item: unknown) => this.enqueue(session, item === null || typeof item !== "object" ? item : stripNul(item as AmiRawMessage)));
    }
  }

  /** A parsed message waits in the backlog; HTTP gets a turn between slices. */
  private enqueue(session: Session, item: unknown): void {
    if (this.session !== session) return;
    session.backlog.push(item);
    this.scheduleDrain(session);
  }

  /** Received text waits unparsed; the socket is paused only when too much of it waits. */
  private enqueueText(session: Session, text: string): void {
    session.chunks.push(text);
    session.waitingBytes += text.length;
    if (!session.backlogFull && session.waitingBytes > this.maxBacklogBytes) {
      session.backlogFull = true;
      session.socket?.pause();
      this.log.warn({ backlogBytes: this.maxBacklogBytes }, "AMI backlog full: reading paused until half of it is handled (Asterisk drops a session whose writes block past its writetimeout)");
    }
    this.scheduleDrain(session);
  }

  private scheduleDrain(session: Session): void {
    if (session.draining) return;
    session.draining = true;
    setImmediate(() => this.drain(session));
  }

  /** Parses and handles up to `messagesPerTurn` messages, then yields; resumes a paused socket once half the backlog is handled. */
  private drain(session: Session): void {
    if (this.session !== session) return;
    // Only as many messages as this turn handles are parsed: parsed messages waiting for a later turn
    // outlived the young generation (a third of what ingest promoted), text waiting does not cost that.
    while (session.backlog.length - session.backlogHead < this.messagesPerTurn && session.chunkHead < session.chunks.length) {
      const text = session.chunks[session.chunkHead]!;
      const from = session.chunkOffset;
      const room = this.messagesPerTurn - (session.backlog.length - session.backlogHead);
      const next = session.reader!.feed(text, from, room);
      session.waitingBytes -= next - from;
      if (next < text.length) {
        session.chunkOffset = next;
        break;
      }
      session.chunks[session.chunkHead++] = "";
      session.chunkOffset = 0;
    }
    if (session.chunkHead === session.chunks.length) {
      session.chunks = [];
      session.chunkHead = 0;
    }
    const end = Math.min(session.backlog.length, session.backlogHead + this.messagesPerTurn);
    for (let i = session.backlogHead; i < end; i++) {
      if (this.session !== session) return;
      const item = session.backlog[i];
      session.backlog[i] = undefined; // let it be collected while the rest waits
      session.backlogHead = i + 1;
      try {
        this.receive(session, item);
      } catch (error) {
        this.log.error({ err: errorText(error) }, "AMI message handling threw");
      }
    }
    const parsed = session.backlog.length - session.backlogHead;
    if (parsed === 0) {
      session.backlog = [];
      session.backlogHead = 0;
    }
    if (session.backlogFull && session.waitingBytes <= this.maxBacklogBytes / 2) {
      session.backlogFull = false;
      if (session.socket && !session.socket.destroyed) session.socket.resume();
    }
    if (parsed > 0 || session.chunkHead < session.chunks.length) {
      setImmediate(() => this.drain(session));
      return;
    }
    session.draining = false;
  }

  /** Our reader instead of the library's: caps, liveness, then messages into the backlog. */
  private guard(session: Session, socket: Socket): void {
    session.socket = socket;
    const guard = new StreamGuard({ ...DEFAULT_STREAM_LIMITS, ...this.options.limits }, () => {
      this.malformedFrames += 1;
      this.notify("onMalformed", () => this.handlers.onMalformed?.("a line that is not a header"));
    });
    session.reader = new AmiMessageReader((item, hasNul) => this.enqueue(session, hasNul ? stripNul(item as AmiRawMessage) : item));
    // The library's reader (the only other `data` listener) re-splits its whole carry-over on every
    // chunk; ours parses each byte once into the same message shape (see message-reader.ts).
    socket.removeAllListeners("data");
    socket.on("data", (chunk: string | Buffer) => {
      if (this.session !== session) return;
      session.lastDataAt = this.now();
      // The library set UTF-8 decoding on its socket: chunks are strings.
      const text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
      const violation = guard.feed(text);
      if (violation !== null) {
        this.oversized += 1;
        socket.destroy();
        this.lose(session, "protocol-error", violation);
        return;
      }
      this.enqueueText(session, text);
    });
  }

  /** One parsed message from the library: a response to one of our actions, or an event. */
  private receive(session: Session, item: unknown): void {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return;
    const raw = item as AmiRawMessage; // NUL already stripped by the reader
    if (typeof raw.response === "string" && raw.event === undefined) {
      const response = toAmiResponse(raw);
      if (!response) return;
      if (session.pending.handleResponse(response)) return;
      // The library's own login waits on its id; nothing else the peer names is ever emitted.
      const id = response.actionId;
      if (id && !LIBRARY_EVENTS.has(id.toLowerCase()) && session.manager.listeners(id).length > 0) {
        session.manager.emit(id, response.response.toLowerCase() === "error" ? raw : undefined, raw);
      }
      return;
    }
    if (raw.event !== undefined) this.route(session, raw);
  }

  private login(session: Session): void {
    this.state = "logging-in";
    session.manager.login((rejection) => {
      if (this.session !== session) return;
      if (rejection) {
        const message = singleHeader(rejection, "message")?.trim() || "login rejected";
        this.lose(session, "login-failed", `login failed: ${message}`);
        return;
      }
      this.enableEvents(session);
    });
  }

  /** The library logs in with `Event: on`, which Asterisk ignores: ask for events explicitly. */
  private enableEvents(session: Session): void {
    this.send(session, { Action: "Events", EventMask: "on" }, this.connectTimeoutMs, "single").then(
      () => this.becomeReady(session),
      (error: unknown) => {
        if (this.session !== session) return;
        if (error instanceof AmiResponseError) {
          // Without an Events header Asterisk sends every class in the user's `read` anyway.
          this.log.warn({ host: this.options.host, port: this.options.port, reason: error.message }, "AMI Events action refused");
          this.becomeReady(session);
        } else {
          this.lose(session, "connect-failed", errorText(error));
        }
      },
    );
  }

  private becomeReady(session: Session): void {
    if (this.session !== session) return;
    clearTimeout(this.connectTimer);
    this.state = "ready";
    if (this.everReady) this.reconnects += 1;
    this.everReady = true;
    this.attempt = 0;
    this.log.info({ host: this.options.host, port: this.options.port, username: this.options.username }, "AMI session ready");
    this.scheduleHeartbeat(session);
    this.notify("onReady", () => this.handlers.onReady());
  }

  private scheduleHeartbeat(session: Session): void {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => this.ping(session), this.heartbeat.intervalMs);
  }

  private ping(session: Session): void {
    if (this.session !== session || this.state !== "ready") return;
    const { timeoutMs } = this.heartbeat;
    this.send(session, { Action: "Ping" }, timeoutMs, "single").then(
      () => {
        if (this.session === session) this.scheduleHeartbeat(session);
      },
      (error: unknown) => {
        // Bytes still arriving, or a backlog of ours still being worked through (the socket may be paused
        // meanwhile), mean a live peer whose Pong waits behind our own work: ask again.
        const alive = session.draining || this.now() - session.lastDataAt < timeoutMs;
        if (error instanceof AmiTimeoutError && !alive) this.lose(session, "heartbeat-timeout", `no answer to Ping within ${timeoutMs} ms`);
        else if (this.session === session) this.scheduleHeartbeat(session);
      },
    );
  }

  private route(session: Session, raw: AmiRawMessage): void {
    this.lastEventAt = this.now();
    const event = toAmiEvent(raw);
    if (!event) return;
    if (session.pending.handleListEvent(event)) return;
    if (event.actionId !== null) {
      // An answer to an action nobody waits for any more: never a live event.
      this.strayEvents += 1;
      return;
    }
    this.notify("onEvent", () => this.handlers.onEvent(event));
  }

  private notConnected(fields: AmiActionFields): Promise<never> {
    return Promise.reject(new AmiNotConnectedError(`AMI ${String(fields.Action)}: not connected to ${this.endpoint} (${this.state})`));
  }

  /** Handlers run inside the library's event emission: a throw there would be an uncaught exception. */
  private notify(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.log.error({ err: errorText(error), handler: what }, "AMI client handler threw");
    }
  }

  private send(session: Session, fields: AmiActionFields, timeoutMs: number, kind: "single"): Promise<AmiResponse>;
  private send(session: Session, fields: AmiActionFields, timeoutMs: number, kind: "list"): Promise<AmiListResult>;
  private send(session: Session, fields: AmiActionFields, timeoutMs: number, kind: "single" | "list"): Promise<AmiResponse | AmiListResult> {
    let headers: Record<string, string>;
    try {
      headers = libraryHeaders(fields);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.session !== session) return Promise.reject(new AmiNotConnectedError(`AMI ${fields.Action}: session to ${this.endpoint} ended`));
    const actionId = `ami-${++this.actionSeq}`;
    const answer =
      kind === "list"
        ? session.pending.expectList(actionId, fields.Action, timeoutMs)
        : session.pending.expectResponse(actionId, fields.Action, timeoutMs);
    session.manager.action({ ...headers, actionid: actionId });
    return answer;
  }

  /** Ends the session (if current) and, unless stopping, schedules the next attempt. */
  private lose(session: Session, cause: AmiDisconnectCause, reason: string): void {
    if (this.session !== session) return;
    const wasReady = this.state === "ready";
    this.end(session, new AmiConnectionLostError(`AMI session to ${this.endpoint} ended: ${reason}`));
    this.lastError = reason;
    if (!wasReady) this.failedAttempts += 1;
    if (this.stopping) {
      this.state = "stopped";
      return;
    }
    const retryInMs = backoffDelay(this.attempt, this.backoff, this.random);
    this.attempt += 1;
    this.state = "waiting";
    this.reconnectTimer = setTimeout(() => this.open(), retryInMs);
    this.logLoss(cause, reason, retryInMs);
    this.notify("onDisconnected", () => this.handlers.onDisconnected({ cause, reason, wasReady, retryInMs }));
  }

  private end(session: Session, error: Error): void {
    this.session = null;
    clearTimeout(this.connectTimer);
    clearTimeout(this.heartbeatTimer);
    session.abort.abort();
    session.pending.rejectAll(error);
  }

  private logLoss(cause: AmiDisconnectCause, reason: string, retryInMs: number): void {
    const context = { host: this.options.host, port: this.options.port, username: this.options.username, cause, reason, retryInMs };
    switch (cause) {
      case "login-failed":
        // A dying Asterisk accepts the connection and refuses the login: not a credentials problem.
        if (/shutting down/i.test(reason)) {
          this.log.warn(context, `AMI ${reason} (Asterisk is restarting); retrying in ${retryInMs} ms`);
          break;
        }
        this.log.error(context, `AMI ${reason} (user "${this.options.username}" at ${this.endpoint}); retrying in ${retryInMs} ms`);
        break;
      case "connect-failed":
        this.log.warn(context, `AMI connection to ${this.endpoint} failed: ${reason}; retrying`);
        break;
      case "connection-lost":
      case "heartbeat-timeout":
      case "protocol-error":
        this.log.warn(context, `AMI connection to ${this.endpoint} lost: ${reason}; reconnecting`);
        break;
      case "requested":
        this.log.info(context, `AMI session to ${this.endpoint} dropped: ${reason}; reconnecting`);
        break;
      default:
        assertNever(cause);
    }
  }
}

/** Header names lower-cased as the library expects (`action`, `actionid`); values must stay on one line. */
function libraryHeaders(fields: AmiActionFields): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    const key = name.toLowerCase();
    const text = String(value);
    if (!HEADER_NAME.test(name) || key === "actionid") throw new AmiInvalidActionError(`AMI action header "${name}" is not allowed`);
    if (/[\r\n]/.test(text)) throw new AmiInvalidActionError(`AMI action header "${name}" contains a line break`);
    headers[key] = text;
  }
  if (!headers.action) throw new AmiInvalidActionError("AMI action without Action header");
  return headers;
}

/** PostgreSQL refuses NUL in text: it never gets past the reader (plain, repeated and Variable headers alike). */
function stripNul(raw: AmiRawMessage): AmiRawMessage {
  let clean: Record<string, unknown> | null = null;
  for (const [key, value] of Object.entries(raw)) {
    // A header name with NUL is no header of Asterisk's (and must not become another one): dropped.
    if (key.includes("\u0000")) {
      delete (clean ??= { ...raw })[key];
      continue;
    }
    const cleaned = withoutNul(value);
    if (cleaned !== value) (clean ??= { ...raw })[key] = cleaned;
  }
  return (clean ?? raw) as AmiRawMessage;
}

function withoutNul(value: unknown): unknown {
  if (typeof value === "string") return value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
  if (Array.isArray(value)) {
    const items = value.map(withoutNul);
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)] as const);
    return entries.some(([k, v], i) => k !== Object.keys(value)[i] || v !== Object.values(value)[i]) ? Object.fromEntries(entries) : value;
  }
  return value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function assertNever(value: never): never {
  throw new Error(`unhandled case ${String(value)}`);
}
