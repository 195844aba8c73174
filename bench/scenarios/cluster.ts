// Several instances (REDIS_URL): 3 instances on one PostgreSQL database and a throw-away redis-server,
// the AMI simulator as the PBX, N graphql-ws subscribers per instance. Measures the leader's publish →
// subscriber delay on the leader and on the followers (the delta's own `ts`, stamped by the leader's
// service when it publishes, to the subscriber's receive time: Redis and the follower's replay included,
// AMI parsing not), CPU per instance, and the time from `kill -9` of the leader to another instance
// leading and resynced. The subscribers run in this process, on the same (shared) machine.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { startSimulator } from "../../src/simulator/simulator.ts";
import { createTestPostgres } from "../../test/helpers/databases.ts";
import { sleep } from "../../test/helpers/wait-for.ts";
import { Instance, waitForLeader } from "../../test/faults/helpers/cluster-harness.ts";
import { RedisServer } from "../../test/faults/helpers/redis-server.ts";
import { cpuPercent, readUsage } from "../lib/proc-usage.ts";
import { summarize } from "../lib/stats.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";

const QUERY = "subscription { agentStatus { __typename ... on AgentStatusChanged { seq ts } } }";

class LatencyClients {
  private readonly clients: Client[] = [];
  samples: number[] = [];
  errors: string[] = [];

  constructor(url: string, count: number) {
    for (let i = 0; i < count; i++) {
      const client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
      client.subscribe<{ agentStatus: { __typename: string; ts?: string } }>(
        { query: QUERY },
        {
          next: ({ data }) => {
            const ts = data?.agentStatus.ts;
            if (ts) this.samples.push(Date.now() - Date.parse(ts));
          },
          error: (error) => this.errors.push(error instanceof Error ? error.message : JSON.stringify(error)),
          complete: () => undefined,
        },
      );
      this.clients.push(client);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.dispose()));
  }
}

export async function clusterScenario(sizes: Sizes, notes: string[]): Promise<Row[]> {
  const perInstance = sizes.mode === "quick" ? 50 : 300;
  const rate = sizes.mode === "quick" ? 20 : 50;
  const seconds = sizes.mode === "quick" ? 10 : 30;
  const failovers = sizes.mode === "quick" ? 1 : 3;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const sim = await startSimulator({ agents: 200, eventsPerSecond: 0, seed: 5, qualifyDelayMs: 300 });
    cleanups.push(() => sim.close());
    const db = await createTestPostgres();
    cleanups.push(() => db.drop());
    const redis = await RedisServer.start();
    cleanups.push(() => redis.kill());
    const instances: Instance[] = [];
    for (const name of ["a", "b", "c"]) {
      const instance = await Instance.start(
        name,
        { DATABASE_URL: db.url!, AMI_HOST: sim.host, AMI_PORT: String(sim.port), AMI_RECONNECT_MAX_MS: "300", WEB_UI: "false", LOG_LEVEL: "info", CLUSTER_LEASE_MS: "2000", CLUSTER_POLL_MS: "200", CLUSTER_KEY_PREFIX: "bench" },
        { host: "127.0.0.1", port: redis.port },
      );
      cleanups.push(() => instance.stop());
      instances.push(instance);
    }
    const { leader } = await waitForLeader(instances, 30_000);
    const groups = instances.map((instance) => ({ instance, clients: new LatencyClients(instance.wsUrl, perInstance) }));
    for (const group of groups) cleanups.push(() => group.clients.close());
    await sleep(3_000);
    for (const group of groups) group.clients.samples = [];
    const before = instances.map((i) => readUsage(i.svc.child.pid!));
    sim.setEventRate(rate);
    await sleep(seconds * 1_000);
    sim.setEventRate(0);
    const after = instances.map((i) => readUsage(i.svc.child.pid!));
    await sleep(1_000);
    const rows: Row[] = [];
    for (const [index, group] of groups.entries()) {
      const role = group.instance === leader ? "leader" : "follower";
      const latency = summarize(group.clients.samples);
      const cpu = cpuPercent(before[index]!, after[index]!);
      rows.push(
        { scenario: "cluster", figure: `publish → subscriber p99, ${perInstance} subscribers on the ${role} (${group.instance.name})`, target: "", measured: fmt.ms(latency.p99), met: null, baseline: "", ratio: "" },
        { scenario: "cluster", figure: `CPU of the ${role} (${group.instance.name})`, target: "", measured: fmt.pct(cpu), met: null, baseline: "", ratio: "" },
      );
      notes.push(`cluster ${group.instance.name} (${role}): ${group.clients.samples.length.toLocaleString("en-US")} deliveries, p50 ${fmt.ms(latency.p50)}, p99 ${fmt.ms(latency.p99)}, CPU ${fmt.pct(cpu)}${group.clients.errors.length ? `, errors: ${group.clients.errors.slice(0, 3).join("; ")}` : ""}`);
    }
    // Failover: kill -9 whoever leads; the next leader must be logged in and resynced.
    sim.setEventRate(rate);
    const times: number[] = [];
    for (let i = 0; i < failovers; i++) {
      const { leader: current } = await waitForLeader(instances, 30_000);
      await current.svc.kill9();
      const { ms } = await waitForLeader(instances.filter((x) => x !== current), 30_000);
      times.push(ms);
      await current.spawn();
      await sleep(2_000);
    }
    sim.setEventRate(0);
    rows.push({ scenario: "cluster", figure: `failover after kill -9 of the leader (worst of ${failovers}), lease 2 s`, target: "< 5 s", measured: fmt.s(Math.max(...times)), met: Math.max(...times) < 5_000, baseline: "", ratio: "" });
    notes.push(`cluster: 3 instances, 200 agents, ${rate} events/s for ${seconds} s, ${perInstance} subscribers per instance; failovers ${times.map((t) => fmt.s(t)).join(", ")}. Subscribers run in the bench process on the same shared 2-core machine: figures are from a loaded machine.`);
    return rows;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
