// An AMI server that behaves like Asterisk 22 as ../shared/ami-captures shows it, in front of N
// simulated agents: the demo's PBX when there is none, and the benchmarks' load source.
//
//   const sim = await startSimulator({ agents: 50, eventsPerSecond: 5 });
//   // point the service at sim.host / sim.port, user "crm", secret "crmsecret"
//   await sim.call("1000", "1001", { ringMs: 500, talkMs: 2_000 });
//   await sim.restart();
//   await sim.close();
//
// Wiring only: the model (pbx-model.ts), timing (scenarios.ts), random activity (activity.ts) and
// the TCP side (ami-server.ts, ami-session.ts) each have their own file.
import type { Log } from "../domain/ports.ts";
import { ActivityDriver, type CallTiming } from "./activity.ts";
import type { AmiSessionHost } from "./ami-session.ts";
import { AmiServer } from "./ami-server.ts";
import { DEVICE_STATE_WORDS } from "./asterisk-states.ts";
import { STATE_EVENTS, type LiveEvent } from "./live-events.ts";
import { PbxModel, type SimContactStatus } from "./pbx-model.ts";
import { Random } from "./random.ts";
import { Scenarios } from "./scenarios.ts";

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port (read it from `simulator.port`). */
  port?: number;
  /** Default "crm". */
  username?: string;
  /** Default "crmsecret". */
  secret?: string;
  agents: number;
  /** Extensions are firstExtension.. (default 1000). */
  firstExtension?: number;
  /** How many (the first ones) start registered; default all. */
  registered?: number;
  /** A silent phone turns Unreachable after this (default 4000; Asterisk: 3-8 s with qualify 5 s / timeout 3 s). */
  qualifyDelayMs?: number;
  /** A failed login is answered after this (default 1000, as Asterisk). */
  loginFailureDelayMs?: number;
  /** How long a restart keeps Asterisk away (default 1000). */
  restartDownMs?: number;
  /** After a restart, kept contacts turn Reachable at random within this (default 3000; seen: 2.2-3.1 s). */
  restartQualifyMs?: number;
  /** Random activity, in state events per second; 0 = none (default). */
  eventsPerSecond?: number;
  /** Seed of every random choice (default 1). */
  seed?: number;
  log?: Log;
  /** Ring and talk time ranges of the random calls. */
  callTiming?: CallTiming;
  /** Dialplan context of the hints (default "default"). */
  context?: string;
  /** REGISTER Expires in seconds (default 120); a silent phone's contact is removed after it. */
  expiresSeconds?: number;
  /** Also send the channel/dial/bridge events of calls (default true, as Asterisk does). */
  channelEvents?: boolean;
  /** Drop a client whose socket makes no write progress for this long (default 100, Asterisk's writetimeout; 0 = never). */
  writeTimeoutMs?: number;
  /** Drop a client when this much is queued for it (default 64 MiB). */
  maxQueuedBytes?: number;
}

export interface SimulatorStats {
  /** Open client connections. */
  connections: number;
  /** Live events written, one per receiving connection. */
  eventsSent: number;
  /** Actions received from clients. */
  actions: number;
  /** Live events produced by the PBX (once each, whoever listens). */
  eventsEmitted: number;
  /** Of those, ContactStatus/PeerStatus/DeviceStateChange/ExtensionStatus (what the event rate counts). */
  stateEventsEmitted: number;
  activeCalls: number;
  /** Operations started by the random activity driver. */
  activityOperations: number;
  /** Bytes waiting to be written to clients now. */
  queuedBytes: number;
}

export interface Simulator {
  readonly host: string;
  readonly port: number;
  register(ext: string): Promise<void>;
  unregister(ext: string): Promise<void>;
  /** The phone stops answering; resolves once Asterisk has announced it Unreachable (after qualifyDelayMs). */
  goUnreachable(ext: string): Promise<void>;
  answerAgain(ext: string): Promise<void>;
  /** Resolves after the hang-up (default ring 1 s, talk 4 s, as in the `call-inuse` capture). */
  call(from: string, to: string, opts?: { ringMs?: number; talkMs?: number }): Promise<void>;
  /** Shutdown (Restart: True), connections closed and refused, back after downMs (FullyBooted on the next login);
   * contacts survive and are re-qualified within restartQualifyMs. Resolves when logins are accepted again. */
  restart(opts?: { downMs?: number }): Promise<void>;
  setEventRate(eventsPerSecond: number): void;
  /** Burst: ExtensionStatus + DeviceStateChange + PeerStatus + ContactStatus Reachable for every reachable agent;
   * resolves when handed to every client (one that stopped reading is waited for at most 5 s). */
  reannounceAll(): Promise<void>;
  /** Ground truth, like `pjsip show contacts`. */
  contacts(): Array<{ extension: string; uri: string; status: SimContactStatus }>;
  /** Like `pjsip show endpoints`: device state in words ("Not in use", "In use", "Ringing", "Unavailable"). */
  endpoints(): Array<{ extension: string; deviceState: string }>;
  stats(): SimulatorStats;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const agents = wholeNumber("agents", options.agents);
  const registered = wholeNumber("registered", options.registered ?? agents);
  if (registered > agents) throw new RangeError(`registered (${registered}) cannot exceed agents (${agents})`);
  const log = options.log ?? quietLog();
  const random = new Random(options.seed ?? 1);
  const model = new PbxModel({
    agents,
    firstExtension: wholeNumber("firstExtension", options.firstExtension ?? 1000),
    registered,
    random,
    now: Date.now,
    context: options.context,
    expiresS: options.expiresSeconds,
    channelEvents: options.channelEvents,
  });

  let actions = 0;
  let eventsEmitted = 0;
  let stateEventsEmitted = 0;
  const sessionHost: AmiSessionHost = {
    username: options.username ?? "crm",
    secret: options.secret ?? "crmsecret",
    loginFailureDelayMs: options.loginFailureDelayMs ?? 1_000,
    // Sub-millisecond, for Ping's `Timestamp: seconds.microseconds`.
    now: () => performance.timeOrigin + performance.now(),
    uptimeSeconds: () => model.uptimeSeconds,
    bootedAt: () => model.bootedAt,
    contacts: () => model.contactEntries(),
    endpoints: () => model.endpointEntries(),
    devices: () => model.deviceEntries(),
    hints: () => model.hintEntries(),
    hint: (exten, context) => model.hintFor(exten, context),
    calls: () => ({ active: model.activeCalls, processed: model.callsProcessed }),
    actionReceived: () => {
      actions += 1;
    },
  };
  const server = await AmiServer.listen({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    log,
    sessionHost,
    writeTimeoutMs: options.writeTimeoutMs ?? 100,
    maxQueuedBytes: options.maxQueuedBytes ?? 64 * 1024 * 1024,
  });

  const emit = (events: readonly LiveEvent[]): void => {
    eventsEmitted += events.length;
    for (const event of events) if (STATE_EVENTS.has(event.name)) stateEventsEmitted += 1;
    server.broadcast(events);
  };
  const scenarios = new Scenarios({
    model,
    server,
    emit,
    random,
    log,
    qualifyDelayMs: options.qualifyDelayMs ?? 4_000,
    restartQualifyMs: options.restartQualifyMs ?? 3_000,
    expirySweepMs: 30_000,
    shutdownCloseMs: 30,
  });
  const driver = new ActivityDriver({
    model,
    random,
    log,
    callTiming: options.callTiming,
    stateEventsEmitted: () => stateEventsEmitted,
    paused: () => server.isDown,
    ops: {
      register: (agent) => scenarios.register(agent),
      unregister: (agent) => scenarios.unregister(agent),
      goUnreachable: (agent) => scenarios.goUnreachable(agent),
      answerAgain: (agent) => scenarios.answerAgain(agent),
      call: (caller, callee, ringMs, talkMs) => scenarios.call(caller, callee, ringMs, talkMs),
    },
  });
  driver.setRate(options.eventsPerSecond ?? 0);
  log.info({ host: server.host, port: server.port, agents, registered, eventsPerSecond: driver.eventsPerSecond }, "AMI simulator listening");

  let closing: Promise<void> | undefined;
  return {
    host: server.host,
    port: server.port,
    register: async (ext) => scenarios.register(model.agent(ext)),
    unregister: async (ext) => scenarios.unregister(model.agent(ext)),
    goUnreachable: async (ext) => scenarios.goUnreachable(model.agent(ext)),
    answerAgain: async (ext) => scenarios.answerAgain(model.agent(ext)),
    call: async (from, to, opts = {}) => scenarios.call(model.agent(from), model.agent(to), opts.ringMs ?? 1_000, opts.talkMs ?? 4_000),
    restart: async (opts = {}) => scenarios.restart(opts.downMs ?? options.restartDownMs ?? 1_000),
    setEventRate: (eventsPerSecond) => driver.setRate(eventsPerSecond),
    reannounceAll: async () => {
      scenarios.reannounceAll();
      await server.flushed();
    },
    contacts: () =>
      model.list().flatMap((agent) => (agent.contact ? [{ extension: agent.extension, uri: agent.contact.uri, status: agent.contact.status }] : [])),
    endpoints: () => model.list().map((agent) => ({ extension: agent.extension, deviceState: DEVICE_STATE_WORDS[model.deviceState(agent)] })),
    stats: () => {
      const s = server.stats();
      return {
        connections: s.connections,
        eventsSent: s.eventsSent,
        actions,
        eventsEmitted,
        stateEventsEmitted,
        activeCalls: model.activeCalls,
        activityOperations: driver.operations,
        queuedBytes: s.queuedBytes,
      };
    },
    close: () =>
      (closing ??= (async () => {
        driver.stop();
        scenarios.close();
        await server.close();
        log.info({}, "AMI simulator stopped");
      })()),
  };
}

function wholeNumber(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
  return value;
}

/** The default Log: the simulator is quiet unless given one. */
function quietLog(): Log {
  const log: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => log };
  return log;
}
