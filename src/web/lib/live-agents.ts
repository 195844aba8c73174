// The floor's live state: the agentStatus snapshot, then deltas. Deltas are queued and applied once
// per animation frame, so 2,000 agents changing at once cost one render, not one per delta. A snapshot
// (first connect, any reconnect, a new epoch after a service restart) replaces everything.
import { createLiveClient, type LinkState } from "../../client/live-client.ts";
import { StreamPosition } from "../../client/stream-position.ts";
import type { AgentFieldsFragment, LiveAgentsSubscription } from "../gql/graphql.ts";
import { LiveAgentsDocument } from "./documents.ts";

export type Agent = AgentFieldsFragment;

export interface FloorState {
  agents: ReadonlyMap<string, Agent>;
  link: LinkState;
  epoch: string | null;
  /** When the last snapshot or delta arrived (ms). */
  lastEventAt: number | null;
  /** Per agent id: when its status last changed, as seen here (for "time in state"). */
  statusSince: ReadonlyMap<string, number>;
}

type Event = LiveAgentsSubscription["agentStatus"];

export class LiveAgents {
  private state: FloorState = { agents: new Map(), link: "connecting", epoch: null, lastEventAt: null, statusSince: new Map() };
  private readonly listeners = new Set<() => void>();
  private pending: Event[] = [];
  private frame: number | null = null;
  private position = new StreamPosition();
  private readonly client;
  private unsubscribe: (() => void) | null = null;

  constructor(url: string) {
    this.client = createLiveClient({ url, onState: (link) => this.update({ ...this.state, link }) });
  }

  start(): void {
    this.unsubscribe = this.client.subscribe<LiveAgentsSubscription>(
      { query: LiveAgentsDocument.toString() },
      {
        next: ({ data }) => data && this.enqueue(data.agentStatus),
        error: () => this.resubscribe(),
        complete: () => undefined,
      },
    );
  }

  stop(): void {
    this.unsubscribe?.();
    void this.client.dispose();
    if (this.frame !== null) cancelAnimationFrame(this.frame);
  }

  getState = (): FloorState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private resubscribe(): void {
    this.unsubscribe?.();
    this.pending = [];
    this.position = new StreamPosition();
    this.start();
  }

  private enqueue(event: Event): void {
    this.pending.push(event);
    this.frame ??= requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = null;
    const events = this.pending;
    this.pending = [];
    let agents: Map<string, Agent> | null = null;
    let statusSince: Map<string, number> | null = null;
    const now = Date.now();
    let epoch = this.state.epoch;
    for (const event of events) {
      const isSnapshot = event.__typename === "AgentsSnapshot";
      const step = this.position.accept(event, isSnapshot);
      if (step.kind === "gap") {
        this.resubscribe(); // missed something: a fresh snapshot is the truth
        return;
      }
      if (step.kind === "skip") continue;
      epoch = event.epoch;
      if (event.__typename === "AgentsSnapshot") {
        const previous: ReadonlyMap<string, Agent> = agents ?? this.state.agents;
        const since: ReadonlyMap<string, number> = statusSince ?? this.state.statusSince;
        agents = new Map(event.agents.map((a) => [a.id, a]));
        statusSince = new Map(event.agents.map((a): [string, number] => [a.id, previous.get(a.id)?.status === a.status ? (since.get(a.id) ?? now) : Date.parse(a.updatedAt)]));
      } else if (event.__typename === "AgentStatusChanged") {
        agents ??= new Map(this.state.agents);
        statusSince ??= new Map(this.state.statusSince);
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
    this.update({ ...this.state, agents: agents ?? this.state.agents, statusSince: statusSince ?? this.state.statusSince, epoch, lastEventAt: now });
  }

  private update(next: FloorState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}
