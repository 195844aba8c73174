// Random activity at a target event rate: phones register, call each other, go silent, come back and
// unregister. The rate counts the state events clients receive (ContactStatus, PeerStatus,
// DeviceStateChange, ExtensionStatus), whatever produced them (including the later phases of calls
// and anything driven through the API), so the driver fills the gap up to the target.
//
// Choices are weighted towards a realistic mix (most agents registered, a good share on calls, a
// few unreachable): a move from a bucket above its target share to one below it is favoured
// exponentially, so the mix settles near the targets at any rate and any number of agents. A share
// of the moves is the call-centre layer (agent-activity.ts: DND, presence, queue pauses), and with
// queues half of the calls go through a queue (then wrap-up).
import { AgentActivity, type AgentOps, type AgentTargets } from "./agent-activity.ts";
import type { Log } from "../domain/ports.ts";
import type { AgentBucket, PbxModel, SimAgent } from "./pbx-model.ts";
import type { Random } from "./random.ts";

export interface CallTiming {
  /** Ring time range (ms). */
  ringMs: readonly [number, number];
  /** Talk time range (ms). */
  talkMs: readonly [number, number];
}

export const DEFAULT_CALL_TIMING: CallTiming = { ringMs: [1_000, 6_000], talkMs: [5_000, 40_000] };

/** Target share of agents per bucket; `idle` (registered, free) gets the rest. */
export const TARGET_SHARES: Readonly<Record<Exclude<AgentBucket, "idle" | "pending">, number>> = { offline: 0.12, silent: 0.04, busy: 0.3 };

/** What the driver does to agents (scenarios.ts behind the simulator). Failures are the driver's to log. */
export interface ActivityOps extends AgentOps {
  queueCall(caller: SimAgent, queue: string, ringMs: number, talkMs: number): Promise<unknown>;
  register(agent: SimAgent): void;
  unregister(agent: SimAgent): void;
  goUnreachable(agent: SimAgent): Promise<void>;
  answerAgain(agent: SimAgent): void;
  call(caller: SimAgent, callee: SimAgent, ringMs: number, talkMs: number): Promise<void>;
}

export interface ActivityDriverOptions {
  model: PbxModel;
  ops: ActivityOps;
  random: Random;
  log: Log;
  /** State events emitted so far, by anyone. */
  stateEventsEmitted(): number;
  /** True while Asterisk is down: no activity. */
  paused(): boolean;
  callTiming?: CallTiming;
  tickMs?: number;
  /** Share of moves spent on DND, presence and queue pauses (default 0.3 with queues, else 0.15). */
  agentActivityShare?: number;
  /** Shares the DND, away and paused mix settles near (default AGENT_TARGETS). */
  agentTargets?: Partial<AgentTargets>;
  /** Share of calls that go through a queue when there are queues (default 0.5). */
  queueCallShare?: number;
}

type Move = "register" | "unregister" | "goUnreachable" | "answerAgain" | "call";

const MOVES: ReadonlyArray<{ move: Move; from: AgentBucket; to: AgentBucket; base: number }> = [
  { move: "register", from: "offline", to: "idle", base: 1 },
  { move: "unregister", from: "idle", to: "offline", base: 1 },
  { move: "goUnreachable", from: "idle", to: "silent", base: 0.3 },
  { move: "answerAgain", from: "silent", to: "idle", base: 0.3 },
  { move: "call", from: "idle", to: "busy", base: 1.5 },
];

/** How strongly the mix is pulled towards the targets. */
const PRESSURE = 10;

export class ActivityDriver {
  private rate = 0;
  private timer: NodeJS.Timeout | undefined;
  private budget = 0;
  private lastTick = 0;
  private lastEmitted = 0;
  private readonly tickMs: number;
  private readonly timing: CallTiming;
  private readonly agentActivity: AgentActivity;
  private readonly agentShare: number;
  private readonly queueCallShare: number;
  /** Operations started by the driver (stats). */
  operations = 0;

  constructor(private readonly options: ActivityDriverOptions) {
    this.tickMs = options.tickMs ?? 20;
    this.timing = options.callTiming ?? DEFAULT_CALL_TIMING;
    this.agentActivity = new AgentActivity(options.model, options.ops, options.random, options.agentTargets);
    this.queueCallShare = options.queueCallShare ?? 0.5;
    if (!(this.queueCallShare >= 0 && this.queueCallShare <= 1)) throw new RangeError(`queueCallShare must be between 0 and 1, got ${this.queueCallShare}`);
    this.agentShare = options.agentActivityShare ?? (options.model.queues.size > 0 ? 0.3 : 0.15);
    if (!(this.agentShare >= 0 && this.agentShare <= 1)) throw new RangeError(`agentActivityShare must be between 0 and 1, got ${this.agentShare}`);
  }

  get eventsPerSecond(): number {
    return this.rate;
  }

  setRate(eventsPerSecond: number): void {
    if (!Number.isFinite(eventsPerSecond) || eventsPerSecond < 0) throw new RangeError(`event rate must be a number ≥ 0, got ${eventsPerSecond}`);
    this.rate = eventsPerSecond;
    if (eventsPerSecond === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer) return;
    this.budget = 0;
    this.lastTick = performance.now();
    this.lastEmitted = this.options.stateEventsEmitted();
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  stop(): void {
    this.setRate(0);
  }

  private tick(): void {
    const now = performance.now();
    const seconds = (now - this.lastTick) / 1000;
    this.lastTick = now;
    const emitted = this.options.stateEventsEmitted();
    if (this.options.paused()) {
      this.budget = 0;
      this.lastEmitted = emitted;
      return;
    }
    // Earn the rate, pay for whatever was sent since the last tick; never save up more than ~¼ s.
    this.budget += this.rate * seconds - (emitted - this.lastEmitted);
    this.budget = Math.max(-this.rate * 2, Math.min(this.budget, this.rate / 4 + 1));
    for (let guard = 0; this.budget > 0 && guard < 10_000; guard += 1) {
      const before = this.options.stateEventsEmitted();
      if (!this.step()) break;
      this.budget -= Math.max(1, this.options.stateEventsEmitted() - before);
    }
    this.lastEmitted = this.options.stateEventsEmitted();
  }

  /** One weighted random move; false when no move is possible. */
  private step(): boolean {
    const { model, random } = this.options;
    const total = model.size;
    if (total === 0) return false;
    if (random.next() < this.agentShare) {
      this.operations += 1;
      try {
        if (this.agentActivity.step() !== null) return true;
      } catch (error) {
        this.options.log.debug({ err: String(error) }, "AMI simulator: agent activity step skipped");
        return true;
      }
      this.operations -= 1;
    }
    const counts = (b: AgentBucket) => model.bucket(b).size;
    const share = (b: AgentBucket) => counts(b) / total;
    const target = (b: AgentBucket): number =>
      b === "idle" ? 1 - TARGET_SHARES.offline - TARGET_SHARES.silent - TARGET_SHARES.busy : b === "pending" ? 0 : TARGET_SHARES[b];
    const weights = MOVES.map(({ move, from, to, base }) => {
      const needed = move === "call" ? 2 : 1;
      if (counts(from) < needed) return 0;
      return base * Math.exp(PRESSURE * (share(from) - target(from) - (share(to) - target(to))));
    });
    const chosen = MOVES[random.weighted(weights)];
    if (!chosen) return false;
    const agent = model.bucket(chosen.from).pick(random) as SimAgent;
    this.operations += 1;
    this.run(chosen.move, agent);
    return true;
  }

  private run(move: Move, agent: SimAgent): void {
    const { ops, random, model } = this.options;
    const fail = (error: unknown) => this.options.log.debug({ move, extension: agent.extension, err: String(error) }, "AMI simulator: activity step skipped");
    try {
      switch (move) {
        case "register":
          ops.register(agent);
          return;
        case "unregister":
          ops.unregister(agent);
          return;
        case "goUnreachable":
          ops.goUnreachable(agent).catch(fail);
          return;
        case "answerAgain":
          ops.answerAgain(agent);
          return;
        case "call": {
          const queues = model.queues.list();
          if (queues.length > 0 && random.next() < this.queueCallShare) {
            const queue = queues[random.int(0, queues.length - 1)];
            if (!queue) return;
            const ringMs = random.int(this.timing.ringMs[0], this.timing.ringMs[1]);
            const talkMs = random.int(this.timing.talkMs[0], this.timing.talkMs[1]);
            ops.queueCall(agent, queue.name, ringMs, talkMs).catch(fail);
            return;
          }
          const idle = model.bucket("idle");
          let callee = idle.pick(random);
          for (let tries = 0; callee === agent && tries < 5; tries += 1) callee = idle.pick(random);
          if (!callee || callee === agent) return;
          const ringMs = random.int(this.timing.ringMs[0], this.timing.ringMs[1]);
          const talkMs = random.int(this.timing.talkMs[0], this.timing.talkMs[1]);
          ops.call(agent, callee, ringMs, talkMs).catch(fail);
          return;
        }
        default:
          assertNever(move);
      }
    } catch (error) {
      fail(error);
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled case ${String(value)}`);
}
