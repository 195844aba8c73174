// What takes time on a PBX, scheduled over the model: a silent phone turns Unreachable only after
// the qualify delay (and expires much later), a call rings, is answered, talks and hangs up, and a
// restart takes Asterisk away for a while, then re-qualifies the contacts it kept in astdb; a queue
// caller waits until a member is free and out of wrap-up (re-checked like app_queue, about once a
// second). DND, presence and queue membership changes are instant. Every timer is owned here, so
// close() leaves nothing behind.
import type { Log } from "../domain/ports.ts";
import type { LiveEvent } from "./live-events.ts";
import type { PbxModel, SimAgent, SimCall } from "./pbx-model.ts";
import { presence } from "./presence.ts";
import type { AddMemberOptions, QueueOutcome } from "./queue-book.ts";
import type { Random } from "./random.ts";

/** What scenarios need from the TCP side for a restart. */
export interface RestartableServer {
  readonly isDown: boolean;
  shutdown(restart: boolean, closeAfterMs: number): Promise<void>;
  setDown(down: boolean): void;
}

export interface ScenarioOptions {
  model: PbxModel;
  server: RestartableServer;
  /** Sends events to the clients (and counts them). */
  emit(events: readonly LiveEvent[]): void;
  random: Random;
  log: Log;
  /** Silent phone → Unreachable. */
  qualifyDelayMs: number;
  /** After a restart, each kept contact is re-qualified at a random moment within this. */
  restartQualifyMs: number;
  /** Expired contacts are swept up to this late (Asterisk: about every 30 s). */
  expirySweepMs: number;
  /** Shutdown event → connections closed (Asterisk: 10-120 ms). */
  shutdownCloseMs: number;
  /** A waiting queue caller is re-offered to the members this often (app_queue: about 1 s). */
  queueRetryMs: number;
}

export class QueueOperationError extends Error {
  constructor(operation: string, readonly failure: string) {
    super(`${operation}: ${failure}`);
    this.name = "QueueOperationError";
  }
}

export interface QueueCallTiming {
  ringMs: number;
  talkMs: number;
  /** The caller gives up after waiting this long for a member (default: waits until the call is possible). */
  maxWaitMs?: number;
}

export class AsteriskDownError extends Error {
  constructor() {
    super("Asterisk is restarting: try again when it is back");
    this.name = "AsteriskDownError";
  }
}

type AgentTimerKind = "qualify" | "expiry" | "requalify";

interface RunningCall {
  resolve(): void;
  timer: NodeJS.Timeout | undefined;
  /** Queue calls: the caller's give-up timer. */
  giveUp?: NodeJS.Timeout;
}

export class Scenarios {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** At most one pending qualify, expiry or re-qualify per agent. */
  private readonly agentTimers = new Map<SimAgent, { kind: AgentTimerKind; timer: NodeJS.Timeout }>();
  private readonly silenceWaiters = new Map<SimAgent, Array<() => void>>();
  private readonly calls = new Map<SimCall, RunningCall>();
  private readonly sleepers = new Set<() => void>();
  private restarting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: ScenarioOptions) {}

  register(agent: SimAgent): void {
    this.ensureUp();
    this.settleSilence(agent);
    this.options.emit(this.options.model.register(agent));
  }

  unregister(agent: SimAgent): void {
    this.ensureUp();
    this.hangupIfInCall(agent);
    this.settleSilence(agent);
    this.clearAgentTimer(agent);
    this.options.emit(this.options.model.unregister(agent));
  }

  /** The phone stops answering; resolves when Asterisk has declared it Unreachable (or it came back first). */
  goUnreachable(agent: SimAgent): Promise<void> {
    this.ensureUp();
    if (!agent.contact) return Promise.reject(new Error(`${agent.extension} is not registered`));
    // Already declared Unreachable: nothing more will happen.
    if (agent.silent && agent.contact.status === "Unreachable") return Promise.resolve();
    this.hangupIfInCall(agent, 27);
    const done = new Promise<void>((resolve) => this.silenceWaiters.set(agent, [...(this.silenceWaiters.get(agent) ?? []), resolve]));
    if (!agent.silent) {
      this.options.model.silence(agent);
      this.setAgentTimer(agent, "qualify", this.options.qualifyDelayMs, () => this.qualifyFails(agent));
    }
    return done;
  }

  answerAgain(agent: SimAgent): void {
    this.ensureUp();
    this.settleSilence(agent);
    this.options.emit(this.options.model.answerAgain(agent));
  }

  /** Rings `callee` for ringMs, talks for talkMs, then the caller hangs up; resolves after the hang-up. */
  call(caller: SimAgent, callee: SimAgent, ringMs: number, talkMs: number): Promise<void> {
    this.ensureUp();
    const { call, events } = this.options.model.startCall(caller, callee);
    this.options.emit(events);
    return new Promise<void>((resolve) => {
      const running: RunningCall = { resolve, timer: undefined };
      this.calls.set(call, running);
      running.timer = this.after(ringMs, () => {
        this.options.emit(this.options.model.answerCall(call));
        running.timer = this.after(talkMs, () => this.hangup(call, 16));
      });
    });
  }

  /** FreePBX's DND toggle: `Custom:DND<N>` BUSY/NOT_INUSE plus presence dnd/available. */
  dnd(agent: SimAgent, on: boolean): void {
    this.ensureUp();
    this.options.emit(this.options.model.setDnd(agent, on));
  }

  /** `presencestate change CustomPresence:<N> "STATE,SUBTYPE,MESSAGE"`. */
  presence(agent: SimAgent, state: string, subtype = "", message = ""): void {
    this.ensureUp();
    this.options.emit(this.options.model.setPresence(`CustomPresence:${agent.extension}`, presence(state, subtype, message)));
  }

  /** `queue add member PJSIP/<N> to <queue> ... [paused "reason"]`. */
  queueAdd(agent: SimAgent, queue: string, options: AddMemberOptions = {}): void {
    this.ensureUp();
    this.emitOutcome("queue add", this.options.model.queues.add(queue, `PJSIP/${agent.extension}`, options));
  }

  queueRemove(agent: SimAgent, queue: string): void {
    this.ensureUp();
    this.emitOutcome("queue remove", this.options.model.queues.remove(queue, `PJSIP/${agent.extension}`));
  }

  /** Pause (or unpause) in one queue, or in every queue of the member when `queue` is undefined. */
  queuePause(agent: SimAgent, queue: string | undefined, paused: boolean, reason = ""): void {
    this.ensureUp();
    this.emitOutcome(paused ? "queue pause" : "queue unpause", this.options.model.queues.pause(queue, `PJSIP/${agent.extension}`, paused, reason));
  }

  /** `caller` dials the queue and waits for a member (one free, unpaused and out of wrap-up), who rings
   * ringMs, talks talkMs, then the caller hangs up. Resolves after the hang-up with the member's
   * extension (null when the caller gave up or the call was dropped before a member answered). */
  queueCall(caller: SimAgent, queue: string, timing: QueueCallTiming): Promise<string | null> {
    this.ensureUp();
    const { model } = this.options;
    const { call, events } = model.startQueueCall(caller, queue);
    this.options.emit(events);
    return new Promise<string | null>((resolve) => {
      const running: RunningCall = { resolve: () => resolve(call.phase === "up" ? (call.callee?.extension ?? null) : null), timer: undefined };
      this.calls.set(call, running);
      const offer = (): void => {
        const offered = model.offerQueueCall(call);
        if (offered === null) {
          running.timer = this.after(this.options.queueRetryMs, offer);
          return;
        }
        if (running.giveUp) this.cancel(running.giveUp);
        this.options.emit(offered);
        running.timer = this.after(timing.ringMs, () => {
          this.options.emit(model.answerQueueCall(call));
          running.timer = this.after(timing.talkMs, () => this.hangup(call, 16));
        });
      };
      if (timing.maxWaitMs !== undefined) running.giveUp = this.after(timing.maxWaitMs, () => this.hangup(call, 16));
      offer();
    });
  }

  /** Every Reachable agent's state again, in one burst (the caller waits for the clients to take it). */
  reannounceAll(): LiveEvent[] {
    this.ensureUp();
    const events: LiveEvent[] = [];
    for (const agent of this.options.model.list()) for (const event of this.options.model.reannounce(agent)) events.push(event);
    this.options.emit(events);
    return events;
  }

  /** `core restart now`: Shutdown to clients, connections closed, refused while down, back after downMs;
   * then the kept contacts are re-qualified one by one. Resolves when Asterisk accepts logins again. */
  restart(downMs: number): Promise<void> {
    this.ensureOpen();
    this.restarting ??= this.runRestart(downMs).finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const { timer } of this.agentTimers.values()) clearTimeout(timer);
    this.agentTimers.clear();
    for (const running of this.calls.values()) running.resolve();
    this.calls.clear();
    for (const agent of [...this.silenceWaiters.keys()]) this.settleSilence(agent);
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  private async runRestart(downMs: number): Promise<void> {
    const { model, server, log } = this.options;
    log.info({ downMs }, "AMI simulator: Asterisk restarting");
    server.setDown(true);
    await server.shutdown(true, this.options.shutdownCloseMs);
    // Channels die with the process; nobody is connected to hear about it.
    for (const call of model.restart()) this.finishCall(call);
    for (const agent of [...this.agentTimers.keys()]) this.clearAgentTimer(agent);
    for (const agent of [...this.silenceWaiters.keys()]) this.settleSilence(agent);
    await this.sleep(downMs);
    if (this.closed) return;
    model.boot();
    server.setDown(false);
    log.info({}, "AMI simulator: Asterisk is back");
    for (const agent of model.list()) {
      if (!agent.contact) continue;
      // Seen: 2.2 and 3.1 s after the login that followed a restart; spread over the second half of the window.
      const delay = Math.round(this.options.restartQualifyMs * (0.5 + 0.5 * this.options.random.next()));
      this.setAgentTimer(agent, "requalify", delay, () => {
        this.options.emit(model.requalify(agent));
        if (agent.silent) this.scheduleExpiry(agent);
      });
    }
  }

  private emitOutcome(operation: string, outcome: QueueOutcome): void {
    if (!outcome.ok) throw new QueueOperationError(operation, outcome.failure);
    this.options.emit(outcome.events);
  }

  private qualifyFails(agent: SimAgent): void {
    this.options.emit(this.options.model.qualifyFailed(agent));
    this.resolveSilenceWaiters(agent);
    this.scheduleExpiry(agent);
  }

  private scheduleExpiry(agent: SimAgent): void {
    const expiry = this.options.model.expiryOf(agent);
    if (expiry === null) return;
    const delay = Math.max(0, expiry * 1000 - Date.now()) + Math.round(this.options.random.next() * this.options.expirySweepMs);
    this.setAgentTimer(agent, "expiry", delay, () => this.options.emit(this.options.model.expire(agent)));
  }

  private hangupIfInCall(agent: SimAgent, cause = 16): void {
    const call = this.options.model.callOf(agent);
    if (call) this.hangup(call, cause);
  }

  private hangup(call: SimCall, cause: number): void {
    this.options.emit(this.options.model.hangupCall(call, cause));
    this.finishCall(call);
  }

  private finishCall(call: SimCall): void {
    const running = this.calls.get(call);
    if (!running) return;
    this.calls.delete(call);
    if (running.timer) this.cancel(running.timer);
    if (running.giveUp) this.cancel(running.giveUp);
    running.resolve();
  }

  /** The phone is alive again (or gone): pending qualify failure or expiry no longer applies. A
   * pending re-qualify after a restart stays: it is what turns the kept contact Reachable. */
  private settleSilence(agent: SimAgent): void {
    const pending = this.agentTimers.get(agent);
    if (pending && pending.kind !== "requalify") this.clearAgentTimer(agent);
    this.resolveSilenceWaiters(agent);
  }

  private resolveSilenceWaiters(agent: SimAgent): void {
    const waiters = this.silenceWaiters.get(agent);
    this.silenceWaiters.delete(agent);
    for (const resolve of waiters ?? []) resolve();
  }

  private setAgentTimer(agent: SimAgent, kind: AgentTimerKind, ms: number, run: () => void): void {
    this.clearAgentTimer(agent);
    const timer = this.after(ms, () => {
      this.agentTimers.delete(agent);
      run();
    });
    this.agentTimers.set(agent, { kind, timer });
  }

  private clearAgentTimer(agent: SimAgent): void {
    const pending = this.agentTimers.get(agent);
    if (!pending) return;
    this.cancel(pending.timer);
    this.agentTimers.delete(agent);
  }

  private after(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      try {
        run();
      } catch (error) {
        this.options.log.error({ err: error instanceof Error ? error.message : String(error) }, "AMI simulator: scheduled step failed");
      }
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      this.after(ms, wake);
    });
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error("AMI simulator is closed");
  }

  private ensureUp(): void {
    this.ensureOpen();
    if (this.options.server.isDown) throw new AsteriskDownError();
  }
}
