// A real graphql-ws subscriber of `agentStatus`: records every event with its receive time, applies
// deltas to a map (what a dashboard would show) and checks the stream's promises: snapshot first,
// then deltas with seq strictly +1 — no gap, no duplicate, nothing out of order.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { sleep } from "../helpers/wait-for.ts";
import { AGENT_STATUS_SUBSCRIPTION, type AgentStatusEvent, type DeltaEvent, type StreamAgent } from "./agent-api.ts";

export interface RecordedEvent {
  /** Epoch ms when the client received it. */
  receivedAt: number;
  event: AgentStatusEvent;
  /** Which connection delivered it: after a reconnect the subscription starts again with a snapshot. */
  stream: number;
}

export interface RecordedDelta {
  receivedAt: number;
  delta: DeltaEvent;
  index: number;
}

export class SubscriptionRecorder {
  readonly events: RecordedEvent[] = [];
  /** Snapshot + deltas applied. */
  readonly agents = new Map<string, StreamAgent>();
  readonly errors: string[] = [];
  private readonly client: Client;
  private readonly unsubscribe: () => void;
  private snapshots = 0;
  private connections = 0;

  constructor(wsUrl: string, extensions?: readonly string[]) {
    this.client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: () => sleep(250),
      on: {
        connected: () => {
          this.connections += 1;
        },
      },
    });
    this.unsubscribe = this.client.subscribe<AgentStatusEvent>(
      { query: AGENT_STATUS_SUBSCRIPTION, variables: extensions ? { extensions: [...extensions] } : {} },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...result.errors.map((e) => e.message));
          const event = (result.data as { agentStatus?: AgentStatusEvent } | undefined)?.agentStatus;
          if (event) this.record(event);
        },
        error: (error) => this.errors.push(error instanceof Error ? error.message : JSON.stringify(error)),
        complete: () => undefined,
      },
    );
  }

  /** Times the websocket (re)connected. 1 means it never dropped. */
  get connectionCount(): number {
    return this.connections;
  }

  get snapshotCount(): number {
    return this.snapshots;
  }

  /** A position in the stream: later waits look only at events after it. */
  mark(): number {
    return this.events.length;
  }

  deltasSince(mark: number): RecordedDelta[] {
    const deltas: RecordedDelta[] = [];
    for (let index = mark; index < this.events.length; index++) {
      const { event, receivedAt } = this.events[index]!;
      if (event.__typename === "AgentStatusChanged") deltas.push({ receivedAt, delta: event, index });
    }
    return deltas;
  }

  /** The first delta after `mark` that matches. */
  async nextDelta(matches: (delta: DeltaEvent) => boolean, options: { after: number; timeoutMs: number; message: string }): Promise<RecordedDelta> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const found = this.deltasSince(options.after).find((d) => matches(d.delta));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no delta within ${options.timeoutMs} ms: ${options.message}; deltas since mark: ${this.describeSince(options.after)}`);
      await sleep(5);
    }
  }

  async waitUntil(condition: (agents: ReadonlyMap<string, StreamAgent>) => boolean, options: { timeoutMs: number; message: string }): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    while (!condition(this.agents)) {
      if (Date.now() > deadline) throw new Error(`subscriber state: timed out after ${options.timeoutMs} ms waiting for ${options.message}`);
      await sleep(5);
    }
  }

  /** Every broken promise of the stream, as readable lines (empty when the stream is sound). */
  problems(): string[] {
    const problems = [...this.errors.map((e) => `error: ${e}`)];
    let currentStream = -1;
    let lastSeq: number | null = null;
    const seen = new Set<number>();
    for (const [index, { event, stream }] of this.events.entries()) {
      if (stream !== currentStream) {
        currentStream = stream;
        seen.clear();
        if (event.__typename !== "AgentsSnapshot") {
          problems.push(`#${index}: stream ${stream} does not start with a snapshot`);
          lastSeq = null;
          continue;
        }
      }
      if (event.__typename === "AgentsSnapshot") {
        if (index > 0 && this.events[index - 1]!.stream === stream) problems.push(`#${index}: a second snapshot within stream ${stream}`);
        lastSeq = event.seq;
        continue;
      }
      if (seen.has(event.seq)) problems.push(`#${index}: duplicate seq ${event.seq} (${event.extension})`);
      else if (lastSeq !== null && event.seq < lastSeq) problems.push(`#${index}: out of order: seq ${event.seq} after ${lastSeq} (${event.extension})`);
      else if (lastSeq !== null && event.seq !== lastSeq + 1) problems.push(`#${index}: gap: seq ${event.seq} after ${lastSeq} (${event.extension} ${event.status})`);
      seen.add(event.seq);
      lastSeq = event.seq;
    }
    return problems;
  }

  describeSince(mark: number): string {
    return (
      this.deltasSince(mark)
        .map(({ delta }) => `${delta.seq}:${delta.extension}=${delta.status}${delta.stale ? "(stale)" : ""}`)
        .join(", ") || "none"
    );
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.client.dispose();
  }

  private record(event: AgentStatusEvent): void {
    if (event.__typename === "AgentsSnapshot") {
      this.snapshots += 1;
      this.agents.clear();
      for (const agent of event.agents) this.agents.set(agent.extension, pick(agent));
    } else if (event.removed) {
      this.agents.delete(event.extension);
    } else {
      this.agents.set(event.extension, pick(event));
    }
    this.events.push({ receivedAt: Date.now(), event, stream: this.connections });
  }
}

function pick(agent: StreamAgent): StreamAgent {
  return { extension: agent.extension, status: agent.status, online: agent.online, available: agent.available, stale: agent.stale };
}
