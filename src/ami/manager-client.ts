// The AMI session on a plain TCP socket: connect → Login → `Events: on` → ready; Ping heartbeat;
// reconnect after any loss with capped, jittered backoff; per-action deadlines; list collection by
// ActionID; rejection on loss.
//
// asterisk-manager is no longer used: it emitted peer-chosen ActionIDs as event names on its own
// emitter (an answer with `ActionID: rawevent` threw an uncaught exception), its reader is quadratic
// on a long line and unbounded. Framing is AmiFramer (linear, size-capped); ActionIDs are only keys
// of our own Map, so nothing the peer sends can name a listener.
//
// One socket and framer per connection attempt, so nothing from a dead socket leaks into the next
// session; every listener checks that its session is still the current one. The reader processes a
// bounded slice of messages per event-loop turn and pauses the socket meanwhile, so an AMI flood
// cannot starve HTTP; bytes still arriving count as liveness for the heartbeat, so our own backlog
// cannot make a Ping time out.
import net from "node:net";
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
import { AmiFramer, AmiFrameTooLargeError, type FrameResult, type FramerLimits } from "./ami-framer.ts";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
import { PendingActions } from "./pending-actions.ts";

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
  /** Size caps of the incoming stream; past them the session is dropped (and resynced on the next login). */
  limits?: Partial<FramerLimits>;
  /** Messages handled per event-loop turn before yielding to other work (default 200). */
  messagesPerTurn?: number;
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
  /** A frame that could not be read was dropped: an event may be lost, resync. */
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
  /** Frames that could not be read (dropped whole). */
  malformedFrames: number;
  /** Sessions dropped because the peer broke a size limit. */
  oversized: number;
}

export interface ActionOptions {
  timeoutMs?: number;
}

interface Session {
  readonly socket: net.Socket;
  readonly framer: AmiFramer;
  readonly pending: PendingActions;
  readonly closed: Promise<void>;
  /** Messages read but not handled yet (the reader yields between slices). */
  readonly backlog: FrameResult[];
  draining: boolean;
  /** Epoch ms of the last bytes received: a peer that sends is alive, even if our Pong is queued. */
  lastDataAt: number;
  tcpConnected: boolean;
  socketError: string | null;
}

const HEADER_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const LOGOFF_TIMEOUT_MS = 1_000;
export const DEFAULT_FRAMER_LIMITS: FramerLimits = { maxLineLength: 64 * 1024, maxMessageLength: 1024 * 1024 };
// Our ActionIDs are namespaced: a peer echoing any other value can never match a waiting action.
const ACTION_ID_PREFIX = "aa-";

export class AmiClient {
  private readonly connectTimeoutMs: number;
  private readonly actionTimeoutMs: number;
  private readonly heartbeat: HeartbeatOptions;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly endpoint: string;
  private readonly limits: FramerLimits;
  private readonly messagesPerTurn: number;

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
  private malformedFrames = 0;
  private oversized = 0;
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
    this.limits = { ...DEFAULT_FRAMER_LIMITS, ...options.limits };
    this.messagesPerTurn = options.messagesPerTurn ?? 200;
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
      malformedFrames: this.malformedFrames,
      oversized: this.oversized,
    };
  }

  private open(): void {
    this.state = "connecting";
    const socket = new net.Socket();
    let markClosed: () => void = () => {};
    const session: Session = {
      socket,
      framer: new AmiFramer(this.limits),
      pending: new PendingActions(),
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
      backlog: [],
      draining: false,
      lastDataAt: 0,
      tcpConnected: false,
      socketError: null,
    };
    this.session = session;

    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    socket.on("error", (error) => {
      if (this.session === session) session.socketError = error.message;
    });
    socket.on("connect", () => {
      if (this.session !== session || this.state !== "connecting") return;
      session.tcpConnected = true;
      this.login(session);
    });
    socket.on("close", () => {
      markClosed();
      if (this.session !== session) return;
      const cause = this.state === "ready" ? "connection-lost" : "connect-failed";
      this.lose(session, cause, session.socketError ?? "connection closed by Asterisk");
    });
    socket.on("data", (chunk: Buffer) => this.read(session, chunk));

    this.connectTimer = setTimeout(
      () => this.lose(session, "connect-failed", `no AMI session within ${this.connectTimeoutMs} ms`),
      this.connectTimeoutMs,
    );
    socket.connect({ host: this.options.host, port: this.options.port });
  }

  private read(session: Session, chunk: Buffer): void {
    if (this.session !== session) return;
    session.lastDataAt = this.now();
    try {
      for (const frame of session.framer.push(chunk)) session.backlog.push(frame);
    } catch (error) {
      if (!(error instanceof AmiFrameTooLargeError)) throw error;
      this.oversized += 1;
      this.lose(session, "protocol-error", error.message);
      return;
    }
    this.drain(session);
  }

  /** Handles a bounded slice of the backlog; the rest after other callbacks (timers, HTTP) had a turn.
   * The socket is paused meanwhile, so the backlog holds at most one chunk's messages. */
  private drain(session: Session): void {
    if (session.draining) return;
    let handled = 0;
    while (session.backlog.length > 0 && this.session === session) {
      if (handled >= this.messagesPerTurn) {
        session.draining = true;
        session.socket.pause();
        setImmediate(() => {
          session.draining = false;
          if (this.session !== session) return;
          this.drain(session);
          if (!session.draining) session.socket.resume();
        });
        return;
      }
      const frame = session.backlog.shift() as FrameResult;
      handled += 1;
      this.handleFrame(session, frame);
    }
    session.backlog.length = 0;
  }

  private handleFrame(session: Session, frame: FrameResult): void {
    if (frame.kind === "malformed") {
      this.malformedFrames += 1;
      if (this.state === "ready") this.notify("onMalformed", () => this.handlers.onMalformed?.(frame.reason));
      return;
    }
    const raw = frame.message;
    if (singleHeader(raw, "event") !== undefined) {
      this.route(session, raw);
      return;
    }
    const response = toAmiResponse(raw);
    if (response) session.pending.handleResponse(response);
  }

  private login(session: Session): void {
    this.state = "logging-in";
    this.send(session, { Action: "Login", Username: this.options.username, Secret: this.options.secret }, this.connectTimeoutMs, "single").then(
      () => this.enableEvents(session),
      (error: unknown) => {
        if (this.session !== session) return;
        if (error instanceof AmiResponseError) {
          const message = error.response?.message?.trim() || "login rejected";
          this.lose(session, "login-failed", `login failed: ${message}`);
        } else {
          this.lose(session, "connect-failed", errorText(error));
        }
      },
    );
  }

  /** Ask for events explicitly (older code logged in with `Event: on`, which Asterisk ignores). */
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
    const sentAt = this.now();
    this.send(session, { Action: "Ping" }, timeoutMs, "single").then(
      () => {
        if (this.session === session) this.scheduleHeartbeat(session);
      },
      (error: unknown) => {
        if (this.session !== session) return;
        // Bytes received after the Ping: the peer is alive and the Pong waits in our own backlog.
        if (error instanceof AmiTimeoutError && session.lastDataAt <= sentAt) this.lose(session, "heartbeat-timeout", `no answer to Ping within ${timeoutMs} ms`);
        else this.scheduleHeartbeat(session);
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
    let headers: Array<[string, string]>;
    try {
      headers = checkedHeaders(fields);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.session !== session) return Promise.reject(new AmiNotConnectedError(`AMI ${fields.Action}: session to ${this.endpoint} ended`));
    const actionId = `${ACTION_ID_PREFIX}${++this.actionSeq}`;
    const answer =
      kind === "list"
        ? session.pending.expectList(actionId, fields.Action, timeoutMs)
        : session.pending.expectResponse(actionId, fields.Action, timeoutMs);
    session.socket.write(formatAction(headers, actionId));
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
    session.backlog.length = 0;
    session.socket.destroy();
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

/** Checked headers: names that are tokens, values on one line, never an ActionID of the caller's. */
function checkedHeaders(fields: AmiActionFields): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(fields)) {
    const text = String(value);
    if (!HEADER_NAME.test(name) || name.toLowerCase() === "actionid") throw new AmiInvalidActionError(`AMI action header "${name}" is not allowed`);
    if (/[\r\n]/.test(text)) throw new AmiInvalidActionError(`AMI action header "${name}" contains a line break`);
    headers.push([name, text]);
  }
  if (!headers.some(([name]) => name.toLowerCase() === "action")) throw new AmiInvalidActionError("AMI action without Action header");
  return headers;
}

function formatAction(headers: ReadonlyArray<[string, string]>, actionId: string): string {
  let text = "";
  for (const [name, value] of headers) text += `${name}: ${value}\r\n`;
  return `${text}ActionID: ${actionId}\r\n\r\n`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function assertNever(value: never): never {
  throw new Error(`unhandled case ${String(value)}`);
}
