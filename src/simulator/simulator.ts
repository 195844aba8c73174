// An AMI server that behaves like Asterisk 22 as ../shared/ami-captures shows it, in front of N
// simulated agents: the demo's PBX when there is none, and the benchmarks' load source.
//
//   const sim = await startSimulator({ agents: 50, eventsPerSecond: 5 });
//   // point the service at sim.host / sim.port, user "crm", secret "crmsecret"
//   await sim.call("1000", "1001", { ringMs: 500, talkMs: 2_000 });
//   await sim.dnd("1000", true);
//   await sim.queuePause("1001", "support", "Lunch");
//   await sim.queueCall("1002", "support", { ringMs: 1_000, talkMs: 4_000 });   // then wrap-up
//   await sim.restart();
//   await sim.close();
//
// Wiring only: the model (pbx-model.ts), timing (scenarios.ts), random activity (activity.ts) and
// the TCP side (ami-server.ts, ami-session.ts) each have their own file.
import type { Log } from "../domain/ports.ts";
import { ActivityDriver, type CallTiming } from "./activity.ts";
import type { AgentTargets } from "./agent-activity.ts";
import type { AmiSessionHost } from "./ami-session.ts";
import { AmiServer } from "./ami-server.ts";
import { DEVICE_STATE_WORDS, EXTENSION_STATE } from "./asterisk-states.ts";
import { STATE_EVENTS, type LiveEvent } from "./live-events.ts";
import { PbxModel, type HintLayout, type SimContactStatus } from "./pbx-model.ts";
import type { Presence } from "./presence.ts";
import type { AddMemberOptions, QueueSettings } from "./queue-book.ts";
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
  /** Hints: `freepbx` (default, `PJSIP/N&Custom:DNDN,CustomPresence:N`, as the lab now) or `device` (`PJSIP/N`, the older captures). */
  hintLayout?: HintLayout;
  /** app_queue queues with their wrapuptime (default none: no app_queue, like LAB_QUEUES_ENABLED=0). */
  queues?: readonly QueueSettings[];
  /** Members each queue starts with: queue name → extensions (persistent members). */
  queueMembers?: Readonly<Record<string, readonly string[]>>;
  /** The AMI user's manager.conf `read` classes (default system,call,agent: without `agent` no queue events). */
  readClasses?: readonly string[];
  /** Its `write` classes (default system,call,agent: without `agent` QueuePause/QueueAdd/QueueRemove are `Permission denied`). */
  writeClasses?: readonly string[];
  /** A waiting queue caller is re-offered to the members this often (default 1000, like app_queue). */
  queueRetryMs?: number;
  /** Share of the random activity spent on DND, presence and queue pauses (default 0.3 when there are queues, else 0.15). */
  agentActivityShare?: number;
  /** Shares of agents on DND / away and of memberships paused that the activity settles near (default 5 %, 8 %, 12 %). */
  agentTargets?: Partial<AgentTargets>;
  /** Share of random calls that go through a queue, then wrap-up (default 0.5 when there are queues). */
  queueCallShare?: number;
}

export interface QueueMemberTruth {
  extension: string;
  memberName: string;
  paused: boolean;
  reason: string;
  callsTaken: number;
  /** Unix seconds, 0 = never. */
  lastCall: number;
  /** Unix second the wrap-up ends (may be rung again from then on), 0 when not in wrap-up. */
  wrapUpEndsAt: number;
  /** The member's device state in `queue show`'s words ("Not in use", "In use", "Ringing", ...). */
  deviceState: string;
  /** On a call of this queue (`queue show`'s `(in call)`). */
  inCall: boolean;
}

export interface QueueTruth {
  queue: string;
  wrapupSeconds: number;
  members: QueueMemberTruth[];
}

export interface AgentLayersTruth {
  extension: string;
  dnd: boolean;
  presence: Presence;
  /** ExtensionStatus text of the hint, as `core show hints` would give it. */
  hintState: string;
  /** The hint's devices (`PJSIP/1000&Custom:DND1000,CustomPresence:1000` with FreePBX's layout). */
  hint: string;
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
  /** Resolves once every client has been handed all that was queued for it (or is gone). */
  flushed(): Promise<void>;
  /** FreePBX's DND toggle (`Custom:DND<N>` + presence dnd / available). */
  dnd(ext: string, on: boolean): Promise<void>;
  /** `presencestate change CustomPresence:<N>`; state: available, away, xa, chat, dnd, unavailable, not_set. */
  presence(ext: string, state: string, subtype?: string, message?: string): Promise<void>;
  queueAdd(ext: string, queue: string, options?: AddMemberOptions): Promise<void>;
  queueRemove(ext: string, queue: string): Promise<void>;
  /** Pause in one queue, or in all of the member's queues when queue is undefined. */
  queuePause(ext: string, queue?: string, reason?: string): Promise<void>;
  queueUnpause(ext: string, queue?: string): Promise<void>;
  /** `from` calls the queue; resolves after the caller hangs up with the member who took it (null: nobody). */
  queueCall(from: string, queue: string, opts?: { ringMs?: number; talkMs?: number; maxWaitMs?: number }): Promise<string | null>;
  /** Ground truth, like `queue show`. */
  queues(): QueueTruth[];
  /** Ground truth of DND, presence and hint state per agent (`core show hints` + astdb). */
  agentLayers(): AgentLayersTruth[];
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
    hintLayout: options.hintLayout,
    queues: options.queues,
    queueMembers: options.queueMembers,
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
    readClasses: new Set(options.readClasses ?? DEFAULT_CLASSES),
    writeClasses: new Set(options.writeClasses ?? DEFAULT_CLASSES),
    queues: (queue) => model.queueStatus(queue),
    presences: () => model.presenceEntries(),
    presence: (presentity) => model.presenceOf(presentity),
    // Asterisk answers the action, then its events follow.
    queueAdd: (queue, iface, addOptions) => emitLater(model.queues.add(queue, iface, addOptions)),
    queueRemove: (queue, iface) => emitLater(model.queues.remove(queue, iface)),
    queuePause: (queue, iface, paused, reason) => emitLater(model.queues.pause(queue, iface, paused, reason)),
    queueRinginuse: (queue, iface, ringinuse) => emitLater(model.queues.setRinginuse(queue, iface, ringinuse)),
    setPresence: (presentity, presence) => void emitLater({ ok: true, events: model.setPresence(presentity, presence) }),
    setCustomDevice: (device, state) => void emitLater({ ok: true, events: model.setCustomDevice(device, state) }),
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
  function emitLater<T extends { ok: boolean; events?: LiveEvent[] }>(outcome: T): T {
    if (outcome.ok && outcome.events) {
      const events = outcome.events;
      setImmediate(() => emit(events));
    }
    return outcome;
  }
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
    queueRetryMs: options.queueRetryMs ?? 1_000,
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
      dnd: (agent, on) => scenarios.dnd(agent, on),
      presence: (agent, state, subtype, message) => scenarios.presence(agent, state, subtype, message),
      queuePause: (agent, queue, paused, reason) => scenarios.queuePause(agent, queue, paused, reason),
      queueCall: (caller, queue, ringMs, talkMs) => scenarios.queueCall(caller, queue, { ringMs, talkMs, maxWaitMs: 60_000 }),
    },
    agentActivityShare: options.agentActivityShare,
    agentTargets: options.agentTargets,
    queueCallShare: options.queueCallShare,
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
    dnd: async (ext, on) => scenarios.dnd(model.agent(ext), on),
    presence: async (ext, state, subtype, message) => scenarios.presence(model.agent(ext), state, subtype, message),
    queueAdd: async (ext, queue, addOptions) => scenarios.queueAdd(model.agent(ext), queue, addOptions),
    queueRemove: async (ext, queue) => scenarios.queueRemove(model.agent(ext), queue),
    queuePause: async (ext, queue, reason) => scenarios.queuePause(model.agent(ext), queue, true, reason),
    queueUnpause: async (ext, queue) => scenarios.queuePause(model.agent(ext), queue, false),
    queueCall: async (from, queue, opts = {}) => scenarios.queueCall(model.agent(from), queue, { ringMs: opts.ringMs ?? 1_000, talkMs: opts.talkMs ?? 4_000, maxWaitMs: opts.maxWaitMs }),
    queues: () =>
      model.queues.list().map((q) => ({
        queue: q.name,
        wrapupSeconds: q.wrapupSeconds,
        members: [...q.members.values()].map((m) => ({
          extension: m.interface.replace(/^PJSIP\//, ""),
          memberName: m.memberName,
          paused: m.paused,
          reason: m.pausedReason,
          callsTaken: m.callsTaken,
          lastCall: m.lastCall,
          wrapUpEndsAt: model.queues.wrapUpEnds(q, m),
          deviceState: DEVICE_STATE_WORDS[m.status],
          inCall: m.inCall,
        })),
      })),
    agentLayers: () =>
      model.list().map((agent) => ({
        extension: agent.extension,
        dnd: model.dndOn(agent),
        presence: model.presenceOf(`CustomPresence:${agent.extension}`),
        hintState: EXTENSION_STATE[model.hintState(agent)].text,
        hint: model.hintFor(agent.extension, options.context ?? "default")?.hint ?? "",
      })),
    restart: async (opts = {}) => scenarios.restart(opts.downMs ?? options.restartDownMs ?? 1_000),
    setEventRate: (eventsPerSecond) => driver.setRate(eventsPerSecond),
    reannounceAll: async () => {
      scenarios.reannounceAll();
      await server.flushed();
    },
    flushed: () => server.flushed(),
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

/** The lab's AMI user with queues: `read = system,call,agent`, `write = system,call,agent`. */
const DEFAULT_CLASSES = ["system", "call", "agent"];

function wholeNumber(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
  return value;
}

/** The default Log: the simulator is quiet unless given one. */
function quietLog(): Log {
  const log: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => log };
  return log;
}
