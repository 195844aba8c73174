// The call-centre side of the random activity: agents turn DND on and off, set themselves away
// (lunch, a break, a meeting) and back, pause in a queue with a reason and resume. Like the phone
// moves (activity.ts), each kind is pulled towards a target share of agents, so the mix holds at
// any rate and size. Queue calls are phone moves (activity.ts) that go through a queue.
import type { PbxModel, SimAgent } from "./pbx-model.ts";
import type { Random } from "./random.ts";

/** Target shares: of agents (DND, away) and of queue memberships (paused). */
export interface AgentTargets {
  dnd: number;
  away: number;
  paused: number;
}

export const AGENT_TARGETS: Readonly<AgentTargets> = { dnd: 0.05, away: 0.08, paused: 0.12 };

export const PAUSE_REASONS = ["Lunch", "Break", "Training"] as const;

/** Presence an agent sets when stepping away: state, subtype, message. */
export const AWAY_PRESENCES: ReadonlyArray<readonly [string, string, string]> = [
  ["away", "lunch", "Back at 2 pm"],
  ["away", "break", "Back in 15 minutes"],
  ["xa", "meeting", "In a meeting until 4 pm"],
  ["unavailable", "", "Out of office"],
];

export interface AgentOps {
  dnd(agent: SimAgent, on: boolean): void;
  presence(agent: SimAgent, state: string, subtype: string, message: string): void;
  queuePause(agent: SimAgent, queue: string, paused: boolean, reason: string): void;
}

const PRESSURE = 10;

type AgentMove = "dndOn" | "dndOff" | "away" | "back" | "pause" | "unpause";

export class AgentActivity {
  private readonly targets: AgentTargets;

  constructor(
    private readonly model: PbxModel,
    private readonly ops: AgentOps,
    private readonly random: Random,
    targets: Partial<AgentTargets> = {},
  ) {
    this.targets = { ...AGENT_TARGETS, ...targets };
    for (const [name, share] of Object.entries(this.targets)) {
      if (!(share >= 0 && share <= 1)) throw new RangeError(`agent target ${name} must be between 0 and 1, got ${share}`);
    }
  }

  /** One weighted move; the move's name, or null when none is possible. */
  step(): AgentMove | null {
    const { model, random } = this;
    const agents = model.size;
    if (agents === 0) return null;
    const registered = model.bucket("idle");
    const dnd = model.dndAgents.size / agents;
    const away = model.awayAgents.size / agents;
    const { paused: pausedSet, unpaused: unpausedSet } = model.queues;
    const memberships = pausedSet.size + unpausedSet.size;
    const paused = memberships === 0 ? 0 : pausedSet.size / memberships;
    const toward = (share: number, target: number) => Math.exp(PRESSURE * (target - share));
    const weights: Record<AgentMove, number> = {
      dndOn: registered.size > 0 ? toward(dnd, this.targets.dnd) : 0,
      dndOff: model.dndAgents.size > 0 ? toward(this.targets.dnd, dnd) : 0,
      away: registered.size > 0 ? toward(away, this.targets.away) : 0,
      back: model.awayAgents.size > 0 ? toward(this.targets.away, away) : 0,
      pause: unpausedSet.size > 0 ? toward(paused, this.targets.paused) : 0,
      unpause: pausedSet.size > 0 ? toward(this.targets.paused, paused) : 0,
    };
    const moves = Object.keys(weights) as AgentMove[];
    const move = moves[random.weighted(moves.map((m) => weights[m]))];
    if (!move) return null;
    this.run(move);
    return move;
  }

  private run(move: AgentMove): void {
    const { model, ops, random } = this;
    switch (move) {
      case "dndOn": {
        const agent = model.bucket("idle").pick(random);
        if (agent && !model.dndOn(agent)) ops.dnd(agent, true);
        return;
      }
      case "dndOff": {
        const agent = model.dndAgents.pick(random);
        if (agent) ops.dnd(agent, false);
        return;
      }
      case "away": {
        const agent = model.bucket("idle").pick(random);
        const [state, subtype, message] = AWAY_PRESENCES[random.int(0, AWAY_PRESENCES.length - 1)] ?? ["away", "", ""];
        if (agent && !model.awayAgents.has(agent)) ops.presence(agent, state, subtype, message);
        return;
      }
      case "back": {
        const agent = model.awayAgents.pick(random);
        if (agent) ops.presence(agent, "available", "", "");
        return;
      }
      case "pause":
      case "unpause": {
        const member = (move === "pause" ? model.queues.unpaused : model.queues.paused).pick(random);
        const agent = member ? model.agentOf(member.interface) : undefined;
        if (!member || !agent) return;
        const reason = move === "pause" ? (PAUSE_REASONS[random.int(0, PAUSE_REASONS.length - 1)] ?? "Break") : "";
        ops.queuePause(agent, member.queue, move === "pause", reason);
        return;
      }
      default:
        assertNever(move);
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled case ${String(value)}`);
}
