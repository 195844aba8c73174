// The floor's live state: the agentStatus snapshot, then deltas. Deltas are batched per animation
// frame (FrameBatcher), so 2,000 agents changing at once cost one render, not one per delta. A
// snapshot (first connect, any reconnect, a new epoch after a service restart) replaces everything.
import type { Client } from "graphql-ws";
import { AUTH_CLOSE_CODES, createLiveClient, type LinkState } from "../../client/live-client.ts";
import type { Credentials } from "./credentials.ts";
import { SIGN_IN } from "./http.ts";
import { StreamPosition } from "../../client/stream-position.ts";
import type { AgentFieldsFragment, LiveAgentsSubscription } from "../gql/graphql.ts";
import { LiveAgentsDocument } from "./documents.ts";
import { applyEvents, type FloorData, type FloorEvent } from "./floor-reducer.ts";
import { FrameBatcher } from "./frame-batcher.ts";

export type Agent = AgentFieldsFragment;

export interface FloorState extends FloorData<Agent> {
  link: LinkState;
}

export class LiveAgents {
  private state: FloorState = { agents: new Map(), link: "connecting", epoch: null, lastEventAt: null, statusSince: new Map() };
  private readonly listeners = new Set<() => void>();
  private readonly batcher = new FrameBatcher<FloorEvent<Agent>>((events) => this.apply(events));
  private position = new StreamPosition();
  private client: Client;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly url: string,
    private readonly credentials: Credentials | null = null,
  ) {
    this.client = this.connect();
  }

  private connect(): Client {
    return createLiveClient({
      url: this.url,
      // Read at every (re)connect: a credential typed in meanwhile is used by the next attempt.
      connectionParams: () => (this.credentials?.credential ? { token: this.credentials.credential } : {}),
      onState: (link) => {
        if (link === "connected") this.credentials?.accepted();
        this.update({ ...this.state, link });
      },
      on: {
        closed: (event) => {
          const { code, reason } = event as { code?: number; reason?: string };
          if (code === undefined || !AUTH_CLOSE_CODES.has(code)) return;
          if (code === 4403) this.credentials?.refuse(`Refused: ${reason || "not allowed"}.`);
          else this.credentials?.refuse(this.credentials.credential ? "Refused: invalid or revoked credential." : SIGN_IN);
        },
      },
    });
  }

  /** A new credential: connect again now rather than at the next backoff step. */
  restart(): void {
    this.stop();
    this.client = this.connect();
    this.start();
  }

  start(): void {
    this.unsubscribe = this.client.subscribe<LiveAgentsSubscription>(
      { query: LiveAgentsDocument.toString() },
      {
        next: ({ data }) => data && this.batcher.push(data.agentStatus as FloorEvent<Agent>),
        // Refused credentials: wait for the person to sign in (restart()), never hammer the service.
        error: (error) => !isAuthClose(error) && this.resubscribe(),
        complete: () => undefined,
      },
    );
  }

  stop(): void {
    this.unsubscribe?.();
    this.batcher.clear();
    void this.client.dispose();
  }

  getState = (): FloorState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private resubscribe(): void {
    this.unsubscribe?.();
    this.batcher.clear();
    this.position = new StreamPosition();
    this.start();
  }

  private apply(events: FloorEvent<Agent>[]): void {
    const next = applyEvents(this.state, events, this.position, Date.now());
    if (next === "resubscribe") this.resubscribe();
    else if (next !== this.state) this.update({ ...next, link: this.state.link });
  }

  private update(next: FloorState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

function isAuthClose(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" && AUTH_CLOSE_CODES.has(code);
}
