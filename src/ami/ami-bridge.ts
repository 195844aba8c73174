// Orchestration of the AMI side: session (AmiClient) → normalize → AmiListener. Resyncs after every
// login, FullyBooted and Reload; buffers live facts while a resync is in flight and delivers them
// after the snapshot, so an older snapshot never overwrites a newer event. Listener calls are
// synchronous and never awaited: the socket reader never waits on anything.
import type { AmiListener, Log } from "../domain/ports.ts";
import type { AsteriskSnapshot, Fact } from "../domain/types.ts";
import { AmiConnectionLostError, AmiNotConnectedError, AmiResponseError } from "./ami-errors.ts";
import type { AmiEvent } from "./ami-messages.ts";
import { LogThrottle } from "./log-throttle.ts";
import { AmiClient, type AmiDisconnect } from "./manager-client.ts";
import { createNormalizer, type AgentEventReaders, type ControlEvent } from "./normalize.ts";
import { buildSnapshot } from "./snapshot-builder.ts";
import type { AgentNaming } from "./agent-events.ts";
import { QueueEventWatch, type QueueDataStatus } from "./queue-event-watch.ts";

/** Flat on purpose: `{ ...config.ami, listener, log }` from the composition root. */
export interface AmiBridgeOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  listener: AmiListener;
  log: Log;
  /** Names of DND devices and presence providers (FreePBX's by default). */
  naming?: AgentNaming;
  /** Deadline of one action (default 10 s). */
  actionTimeoutMs?: number;
  /** TCP connect + Login must finish within this (default 10 s). */
  connectTimeoutMs?: number;
  /** Deadline of each resync list action (default: actionTimeoutMs). */
  resyncTimeoutMs?: number;
  /** Pause before retrying a failed resync while still logged in (default 5 s). */
  resyncRetryMs?: number;
  /** Ping every … after the last Pong (default 10 s). */
  pingIntervalMs?: number;
  /** A Ping unanswered this long means a dead peer (default 10 s, at most the interval). */
  pingTimeoutMs?: number;
  /** First reconnect within this (default 1 s). */
  reconnectInitialMs?: number;
  /** Reconnect backoff cap (default 30 s). */
  reconnectMaxMs?: number;
  /** Longest AMI line / largest message accepted; past either the session is dropped (defaults 64 KiB / 1 MiB). */
  maxLineBytes?: number;
  maxMessageBytes?: number;
  /** AMI messages handled per event-loop turn before HTTP gets a turn (default 200). */
  messagesPerTurn?: number;
  /** AMI bytes waiting to be handled past which reading pauses (default 64 MiB). */
  maxBacklogBytes?: number;
  /** At most one resync per this long because of malformed input (default 5 s): a broken peer cannot make us hammer the PBX. */
  malformedResyncIntervalMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface AmiBridgeStats {
  /** Logged in. */
  connected: boolean;
  /** Logged in and a resync has completed since. */
  synced: boolean;
  resyncing: boolean;
  reconnects: number;
  /** Epoch ms. */
  lastEventAt: number | null;
  /** Epoch ms of the last completed resync. */
  lastResyncAt: number | null;
  lastError: string | null;
  /** Live events that produced facts or a control action. */
  eventsProcessed: number;
  /** Live events this service does not use (Newchannel, Registry, ...). */
  eventsIgnored: number;
  /** Live events and list items that should have been used but could not be read. */
  malformed: number;
  resyncs: number;
  resyncFailures: number;
  /** Queue members, pauses and wrap-up are known, or why not. */
  queueData: QueueDataStatus;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

export class AmiBridge {
  private readonly client: AmiClient;
  private readonly listener: AmiListener;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly resyncTimeoutMs: number;
  private readonly resyncRetryMs: number;
  private readonly malformedLog: LogThrottle;
  private readonly readers: AgentEventReaders;
  private readonly queueWatch: QueueEventWatch;

  private ready = false;
  private synced = false;
  /** What the listener was last told; null before the first report. */
  private reported: boolean | null = null;
  /** Facts that arrived while not logged in or while a resync is in flight. */
  private buffered: Fact[] = [];
  private running: { generation: number; done: Deferred<AsteriskSnapshot> } | null = null;
  /** One more resync asked for while one was running (coalesced). */
  private followUp: Deferred<AsteriskSnapshot> | null = null;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  private lastResyncAt: number | null = null;
  private lastResyncError: string | null = null;
  private eventsProcessed = 0;
  private eventsIgnored = 0;
  private malformed = 0;
  private resyncs = 0;
  private resyncFailures = 0;
  private readonly malformedResyncIntervalMs: number;
  private lastMalformedResyncAt = -Infinity;
  private malformedResyncTimer: NodeJS.Timeout | undefined;

  constructor(options: AmiBridgeOptions) {
    this.listener = options.listener;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    const actionTimeoutMs = options.actionTimeoutMs ?? 10_000;
    this.resyncTimeoutMs = options.resyncTimeoutMs ?? actionTimeoutMs;
    this.resyncRetryMs = options.resyncRetryMs ?? 5_000;
    this.malformedLog = new LogThrottle(20, 60_000, this.now);
    this.malformedResyncIntervalMs = options.malformedResyncIntervalMs ?? 5_000;
    this.readers = createNormalizer(options.naming);
    this.queueWatch = new QueueEventWatch(
      (fact) => this.deliver(fact),
      (detail) => this.log.warn({ detail }, "AMI queue data incomplete"),
      this.now,
    );
    const pingIntervalMs = options.pingIntervalMs ?? 10_000;
    this.client = new AmiClient(
      {
        host: options.host,
        port: options.port,
        username: options.username,
        secret: options.secret,
        actionTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        heartbeat: { intervalMs: pingIntervalMs, timeoutMs: options.pingTimeoutMs ?? Math.min(10_000, pingIntervalMs) },
        backoff: { initialMs: options.reconnectInitialMs ?? 1_000, maxMs: options.reconnectMaxMs ?? 30_000 },
        now: this.now,
        limits: {
          ...(options.maxLineBytes ? { maxLineLength: options.maxLineBytes } : {}),
          ...(options.maxMessageBytes ? { maxMessageLength: options.maxMessageBytes } : {}),
        },
        ...(options.random ? { random: options.random } : {}),
        ...(options.messagesPerTurn ? { messagesPerTurn: options.messagesPerTurn } : {}),
        ...(options.maxBacklogBytes ? { maxBacklogBytes: options.maxBacklogBytes } : {}),
      },
      {
        onReady: () => this.onReady(),
        onEvent: (event) => this.onEvent(event),
        onMalformed: (reason) => {
          this.malformed += 1;
          this.warnMalformed("frame", reason);
          this.resyncAfterMalformed();
        },
        onDisconnected: (info) => this.onDisconnected(info),
      },
      this.log,
    );
  }

  start(): void {
    this.client.start();
  }

  /** Closes the session cleanly; no reconnect, no timers left. The listener is not told (we chose to stop). */
  async stop(): Promise<void> {
    this.ready = false;
    this.synced = false;
    this.abandonResync(new AmiNotConnectedError("AMI bridge stopped"));
    clearTimeout(this.malformedResyncTimer);
    this.queueWatch.stop();
    await this.client.stop();
    // Facts that arrived up to the end are real: hand them over.
    this.flush();
  }

  /** Sends one action (a command such as Setvar or QueuePause); rejects with Asterisk's error message. */
  command(fields: { Action: string } & Record<string, string>): Promise<{ message: string | null }> {
    return this.client.action(fields);
  }

  /** Forces a full resync; resolves with the snapshot given to the listener. */
  refresh(): Promise<AsteriskSnapshot> {
    return this.requestResync("refresh");
  }

  stats(): AmiBridgeStats {
    const client = this.client.stats();
    return {
      connected: this.ready,
      synced: this.synced,
      resyncing: this.running !== null,
      reconnects: client.reconnects,
      lastEventAt: client.lastEventAt,
      lastResyncAt: this.lastResyncAt,
      lastError: latest(client.lastError, this.lastResyncError),
      eventsProcessed: this.eventsProcessed,
      eventsIgnored: this.eventsIgnored,
      malformed: this.malformed,
      resyncs: this.resyncs,
      resyncFailures: this.resyncFailures,
      queueData: this.queueWatch.status(),
    };
  }

  private onReady(): void {
    this.ready = true;
    this.report(true);
    this.requestResync("login").catch(() => undefined); // failures are logged and retried in failResync
  }

  private onDisconnected(info: AmiDisconnect): void {
    this.ready = false;
    this.synced = false;
    this.abandonResync(new AmiConnectionLostError(`AMI resync interrupted: ${info.reason}`));
    this.flush();
    // Tell every loss of a session and every rejected login; a refused connection only once.
    if (this.reported !== false || info.cause === "login-failed") this.report(false, info.reason);
  }

  private onEvent(event: AmiEvent): void {
    const result = this.readers.normalize(event.fields);
    switch (result.kind) {
      case "facts":
        this.eventsProcessed += 1;
        if (result.notes.length > 0) this.log.debug({ event: event.name, notes: result.notes }, "AMI event: headers dropped");
        for (const fact of result.facts) if (this.queueWatch.admit(fact)) this.deliver(fact);
        break;
      case "control":
        this.eventsProcessed += 1;
        this.onControl(result.event);
        break;
      case "ignored":
        this.eventsIgnored += 1;
        break;
      case "malformed":
        this.malformed += 1;
        this.warnMalformed(event.name, result.reason);
        this.resyncAfterMalformed(); // the fact it carried is lost: ask Asterisk again
        break;
      default:
        assertNever(result);
    }
  }

  private onControl(event: ControlEvent): void {
    switch (event.control) {
      case "FullyBooted":
        // Before login completes, the login's own resync covers it.
        if (this.ready) this.requestResync("FullyBooted").catch(() => undefined);
        break;
      case "Reload":
        if (this.ready) this.requestResync(`Reload ${event.module ?? ""}`.trim()).catch(() => undefined);
        break;
      case "Shutdown":
        this.log.warn({ restart: event.restart }, "Asterisk is shutting down");
        this.client.reconnect("asterisk shutdown");
        break;
      default:
        assertNever(event);
    }
  }

  /** A lost event means our state may differ from Asterisk's: resync, at most once per interval. */
  private resyncAfterMalformed(): void {
    if (!this.ready || this.malformedResyncTimer) return;
    const wait = this.lastMalformedResyncAt + this.malformedResyncIntervalMs - this.now();
    const run = () => {
      this.malformedResyncTimer = undefined;
      this.lastMalformedResyncAt = this.now();
      if (this.ready) this.requestResync("malformed input").catch(() => undefined);
    };
    if (wait <= 0) run();
    else this.malformedResyncTimer = setTimeout(run, wait);
  }

  private deliver(fact: Fact): void {
    if (!this.ready || this.running) this.buffered.push(fact);
    else this.call("onFact", () => this.listener.onFact(fact));
  }

  private flush(): void {
    const facts = this.buffered;
    this.buffered = [];
    for (const fact of facts) this.call("onFact", () => this.listener.onFact(fact));
  }

  private requestResync(reason: string): Promise<AsteriskSnapshot> {
    if (!this.ready) return Promise.reject(new AmiNotConnectedError(`AMI resync (${reason}): not logged in`));
    if (this.running) {
      this.followUp ??= deferred();
      return this.followUp.promise;
    }
    const done = deferred<AsteriskSnapshot>();
    this.runResync(reason, done);
    return done.promise;
  }

  private runResync(reason: string, done: Deferred<AsteriskSnapshot>): void {
    clearTimeout(this.retryTimer);
    const generation = ++this.generation;
    this.running = { generation, done };
    this.log.debug({ reason }, "AMI resync started");
    this.fetchSnapshot().then(
      (snapshot) => this.finishResync(generation, snapshot),
      (error: unknown) => this.failResync(generation, error instanceof Error ? error : new Error(String(error))),
    );
  }

  private async fetchSnapshot(): Promise<AsteriskSnapshot> {
    const timeoutMs = this.resyncTimeoutMs;
    // A refused optional list (rights, module not loaded) keeps what we knew of that layer.
    let queueError: string | null = null;
    const optional = (action: string, consequence: string) => (error: unknown) => {
      if (!(error instanceof AmiResponseError)) throw error;
      this.log.warn({ reason: error.message }, `AMI ${action} refused; ${consequence}`);
      if (action === "QueueStatus") queueError = error.message;
      return null;
    };
    const [endpoints, contacts, deviceStates, presence, queues] = await Promise.all([
      this.client.listAction({ Action: "PJSIPShowEndpoints" }, { timeoutMs }),
      this.client.listAction({ Action: "PJSIPShowContacts" }, { timeoutMs }),
      // EndpointList carries device states too: a refused DeviceStateList (write class) is not fatal.
      this.client.listAction({ Action: "DeviceStateList" }, { timeoutMs }).catch(optional("DeviceStateList", "using EndpointList device states")),
      this.client.listAction({ Action: "PresenceStateList" }, { timeoutMs }).catch(optional("PresenceStateList", "presence keeps its last known value")),
      this.client.listAction({ Action: "QueueStatus" }, { timeoutMs }).catch(optional("QueueStatus", "queue data unavailable")),
    ]);
    this.queueWatch.queueStatusResult(queueError);
    const built = buildSnapshot(
      { endpoints: endpoints.items, contacts: contacts.items, deviceStates: deviceStates?.items ?? null, presence: presence?.items ?? null, queues: queues?.items ?? null },
      this.readers,
    );
    for (const reason of built.malformed) {
      this.malformed += 1;
      this.warnMalformed("list item", reason);
    }
    return built.snapshot;
  }

  private finishResync(generation: number, snapshot: AsteriskSnapshot): void {
    const running = this.running;
    if (!running || running.generation !== generation) return; // abandoned by a loss or stop
    this.running = null;
    this.synced = true;
    this.resyncs += 1;
    this.lastResyncAt = this.now();
    this.lastResyncError = null;
    this.log.info({ endpoints: snapshot.endpoints.length, contacts: snapshot.contacts.length, buffered: this.buffered.length }, "AMI resync complete");
    this.call("onSnapshot", () => this.listener.onSnapshot(snapshot));
    this.flush();
    running.done.resolve(snapshot);
    this.startFollowUp();
  }

  private failResync(generation: number, error: Error): void {
    const running = this.running;
    if (!running || running.generation !== generation) return;
    this.running = null;
    this.resyncFailures += 1;
    this.lastResyncError = `resync failed: ${error.message}`;
    this.flush();
    running.done.reject(error);
    if (this.followUp) {
      this.startFollowUp();
    } else if (this.ready) {
      this.log.warn({ err: error.message, retryInMs: this.resyncRetryMs }, "AMI resync failed; retrying");
      this.retryTimer = setTimeout(() => this.requestResync("retry").catch(() => undefined), this.resyncRetryMs);
    }
  }

  private startFollowUp(): void {
    const next = this.followUp;
    this.followUp = null;
    if (!next) return;
    if (this.ready) this.runResync("follow-up", next);
    else next.reject(new AmiNotConnectedError("AMI resync: not logged in"));
  }

  private abandonResync(error: Error): void {
    clearTimeout(this.retryTimer);
    const running = this.running;
    const next = this.followUp;
    this.running = null;
    this.followUp = null;
    running?.done.reject(error);
    next?.reject(error);
  }

  private report(connected: boolean, reason?: string): void {
    this.reported = connected;
    this.call("onConnectionChange", () => this.listener.onConnectionChange(connected, reason));
  }

  /** A throwing listener must not break the reader nor the session. */
  private call(what: string, invoke: () => void): void {
    try {
      invoke();
    } catch (error) {
      this.log.error({ err: error instanceof Error ? error.message : String(error), listener: what }, "AMI listener threw");
    }
  }

  private warnMalformed(source: string, reason: string): void {
    const allowed = this.malformedLog.take();
    if (allowed) this.log.warn({ source, reason, suppressed: allowed.suppressed }, "AMI message skipped: malformed");
  }
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Internal waiters may have no consumer: never let their rejection go unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function latest(clientError: string | null, resyncError: string | null): string | null {
  return resyncError ?? clientError;
}

function assertNever(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
