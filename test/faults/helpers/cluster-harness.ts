// Several instances of the service as child processes, sharing one PostgreSQL database and one Redis
// (each through a TCP proxy of its own, so a test can cut one instance's Redis link), reading one AMI
// simulator; and a graphql-ws client per instance that records the agentStatus stream with its epoch.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { startTcpProxy, type TcpProxy } from "../../helpers/tcp-proxy.ts";
import { sleep } from "../../helpers/wait-for.ts";
import { ChildService } from "./child-service.ts";

/** The settings every fault-test instance runs with: fast heartbeats, reconnects, flushes and leases. */
export const FAST_CLUSTER_ENV: Readonly<Record<string, string>> = {
  AMI_PING_INTERVAL_MS: "1000",
  AMI_RECONNECT_MAX_MS: "300",
  WRITE_FLUSH_MS: "20",
  WEB_UI: "false",
  LOG_LEVEL: "info",
  CLUSTER_LEASE_MS: "2000",
  CLUSTER_POLL_MS: "200",
  CLUSTER_REDIS_GRACE_MS: "1500",
};

export interface ClusterStatusView {
  synced: boolean;
  connected: boolean;
  cluster: { instance: string; role: "LEADER" | "FOLLOWER"; leader: string | null; leaderEpoch: number | null; streamEpoch: string | null; seq: number; redisConnected: boolean; awaitingSnapshot: boolean } | null;
}

export class Instance {
  svc!: ChildService;
  port = 0;

  constructor(
    readonly name: string,
    readonly env: Record<string, string>,
    readonly redisProxy: TcpProxy,
  ) {}

  static async start(name: string, env: Record<string, string>, redis: { host: string; port: number }): Promise<Instance> {
    const proxy = await startTcpProxy(redis);
    const instance = new Instance(name, env, proxy);
    await instance.spawn();
    return instance;
  }

  /** (Re)starts the process on the same HTTP port, so its client reconnects to it. */
  async spawn(): Promise<void> {
    this.svc = await ChildService.spawn({ ...this.env, INSTANCE_ID: this.name, REDIS_URL: `redis://127.0.0.1:${this.redisProxy.port}` }, this.port || undefined);
    this.port = this.svc.port;
    await this.svc.waitStarted(120_000);
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/graphql`;
  }

  async status(): Promise<ClusterStatusView | null> {
    try {
      const response = await fetch(`${this.svc.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ amiStatus { synced connected cluster { instance role leader leaderEpoch streamEpoch seq redisConnected awaitingSnapshot } } }" }),
        signal: AbortSignal.timeout(1_000),
      });
      const body = (await response.json()) as { data?: { amiStatus: ClusterStatusView } };
      return body.data?.amiStatus ?? null;
    } catch {
      return null;
    }
  }

  async stop(): Promise<void> {
    if (!this.svc.exit) {
      this.svc.child.kill("SIGCONT");
      await this.svc.kill9();
    }
    await this.redisProxy.close();
  }
}

/** The instance (among `candidates`) that leads and has resynced, waiting for it; with the time it took. */
export async function waitForLeader(candidates: readonly Instance[], timeoutMs: number, alsoLog: readonly Instance[] = []): Promise<{ leader: Instance; ms: number; status: ClusterStatusView }> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const instance of candidates) {
      const status = await instance.status();
      if (status?.cluster?.role === "LEADER" && status.synced) return { leader: instance, ms: performance.now() - started, status };
    }
    if (Date.now() > deadline) {
      const logs = [...candidates, ...alsoLog].map((c) => `--- ${c.name}:\n${c.svc.lines.filter((l) => l.module === "cluster" || l.module === "ami" || l.raw !== undefined).slice(-15).map((l) => JSON.stringify(l)).join("\n")}`);
      throw new Error(`no leader among ${candidates.map((c) => c.name).join(", ")} within ${timeoutMs} ms\n${logs.join("\n")}`);
    }
    await sleep(50);
  }
}

export interface StreamAgentView {
  extension: string;
  status: string;
  online: boolean;
  available: boolean;
  stale: boolean;
}

interface Recorded {
  typename: "AgentsSnapshot" | "AgentStatusChanged";
  epoch: string;
  seq: number;
  connection: number;
  extension?: string;
  removed?: boolean;
  agent?: StreamAgentView;
  agents?: StreamAgentView[];
}

const SUBSCRIPTION = /* GraphQL */ `
  subscription {
    agentStatus {
      __typename
      ... on AgentsSnapshot { epoch seq agents { extension status online available stale } }
      ... on AgentStatusChanged { epoch seq extension removed status online available stale }
    }
  }
`;

/** One dashboard: snapshot, deltas, and the state they build. */
export class StreamClient {
  readonly events: Recorded[] = [];
  readonly agents = new Map<string, StreamAgentView>();
  readonly errors: string[] = [];
  connections = 0;
  private readonly client: Client;

  constructor(url: string) {
    this.client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: () => sleep(200),
      on: { connected: () => void this.connections++ },
    });
    this.client.subscribe<{ agentStatus: Record<string, unknown> }>(
      { query: SUBSCRIPTION },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...result.errors.map((e) => e.message));
          const event = result.data?.agentStatus;
          if (event) this.record(event);
        },
        error: (error) => this.errors.push(error instanceof Error ? error.message : JSON.stringify(error)),
        complete: () => undefined,
      },
    );
  }

  get snapshots(): number {
    return this.events.filter((e) => e.typename === "AgentsSnapshot").length;
  }

  /** Deltas as comparable lines, by seq. */
  deltaLines(): Map<string, string> {
    const lines = new Map<string, string>();
    for (const e of this.events) if (e.typename === "AgentStatusChanged") lines.set(`${e.epoch}:${String(e.seq).padStart(9, "0")}`, `${e.epoch}:${e.seq}:${e.extension}:${e.removed ? "removed" : `${e.agent!.status}/${e.agent!.stale}`}`);
    return lines;
  }

  /** Broken promises: a delta not exactly +1 after the one before in the same epoch (a snapshot restarts the count). */
  problems(): string[] {
    const problems = [...this.errors];
    let epoch: string | null = null;
    let seq: number | null = null;
    let connection = -1;
    for (const [index, e] of this.events.entries()) {
      if (e.connection !== connection && e.typename !== "AgentsSnapshot") problems.push(`#${index}: connection ${e.connection} does not start with a snapshot`);
      connection = e.connection;
      if (e.typename === "AgentsSnapshot") {
        epoch = e.epoch;
        seq = e.seq;
        continue;
      }
      if (e.epoch !== epoch) problems.push(`#${index}: delta of epoch ${e.epoch} in stream ${epoch}`);
      else if (seq !== null && e.seq !== seq + 1) problems.push(`#${index}: seq ${e.seq} after ${seq}`);
      seq = e.seq;
    }
    return problems;
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private record(event: Record<string, unknown>): void {
    const typename = event.__typename as Recorded["typename"];
    if (typename === "AgentsSnapshot") {
      const agents = event.agents as StreamAgentView[];
      this.agents.clear();
      for (const agent of agents) this.agents.set(agent.extension, agent);
      this.events.push({ typename, epoch: event.epoch as string, seq: event.seq as number, connection: this.connections, agents });
    } else {
      const agent: StreamAgentView = { extension: event.extension as string, status: event.status as string, online: event.online as boolean, available: event.available as boolean, stale: event.stale as boolean };
      if (event.removed) this.agents.delete(agent.extension);
      else this.agents.set(agent.extension, agent);
      this.events.push({ typename, epoch: event.epoch as string, seq: event.seq as number, connection: this.connections, extension: agent.extension, removed: event.removed as boolean, agent });
    }
  }
}

/** The lines two clients both received (seq range both cover), for an exact comparison. */
export function commonDeltas(a: StreamClient, b: StreamClient): { a: string[]; b: string[] } {
  const la = a.deltaLines();
  const lb = b.deltaLines();
  const shared = [...la.keys()].filter((seq) => lb.has(seq)).sort();
  return { a: shared.map((s) => la.get(s)!), b: shared.map((s) => lb.get(s)!) };
}
