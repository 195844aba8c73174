// Applies a frame's worth of agentStatus events to the floor: a snapshot replaces everything, a
// delta replaces one agent, a gap asks for a resubscription. Pure: no DOM, no clock of its own.
import type { StreamPosition, StreamEvent } from "../../client/stream-position.ts";

export interface FloorAgent {
  id: string;
  status: string;
  updatedAt: string;
}

export type FloorEvent<A extends FloorAgent> =
  | (StreamEvent & { __typename: "AgentsSnapshot"; agents: A[] })
  | (StreamEvent & { __typename: "AgentStatusChanged"; removed: boolean; agent: A });

export interface FloorData<A extends FloorAgent> {
  agents: ReadonlyMap<string, A>;
  epoch: string | null;
  /** When the last snapshot or delta arrived (ms). */
  lastEventAt: number | null;
  /** Per agent id: when its status last changed, as seen here (for "time in state"). */
  statusSince: ReadonlyMap<string, number>;
}

export function applyEvents<A extends FloorAgent>(state: FloorData<A>, events: readonly FloorEvent<A>[], position: StreamPosition, now: number): FloorData<A> | "resubscribe" {
  if (events.length === 0) return state;
  let agents: Map<string, A> | null = null;
  let statusSince: Map<string, number> | null = null;
  let epoch = state.epoch;
  for (const event of events) {
    const step = position.accept(event, event.__typename === "AgentsSnapshot");
    if (step.kind === "gap") return "resubscribe"; // missed something: a fresh snapshot is the truth
    if (step.kind === "skip") continue;
    epoch = event.epoch;
    if (event.__typename === "AgentsSnapshot") {
      const previous: ReadonlyMap<string, A> = agents ?? state.agents;
      const since: ReadonlyMap<string, number> = statusSince ?? state.statusSince;
      agents = new Map(event.agents.map((a) => [a.id, a]));
      statusSince = new Map(
        event.agents.map((a): [string, number] => [a.id, previous.get(a.id)?.status === a.status ? (since.get(a.id) ?? now) : Date.parse(a.updatedAt)]),
      );
    } else {
      agents ??= new Map(state.agents);
      statusSince ??= new Map(state.statusSince);
      const agent = event.agent;
      if (event.removed) {
        agents.delete(agent.id);
        statusSince.delete(agent.id);
      } else {
        if (agents.get(agent.id)?.status !== agent.status) statusSince.set(agent.id, now);
        agents.set(agent.id, agent);
      }
    }
  }
  return { agents: agents ?? state.agents, statusSince: statusSince ?? state.statusSince, epoch, lastEventAt: now };
}
