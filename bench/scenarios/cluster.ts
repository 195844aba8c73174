// Several instances (REDIS_URL): 3 instances on one PostgreSQL database and a throw-away redis-server,
// the AMI simulator as the PBX, N graphql-ws subscribers per instance. Measures the leader's publish →
// subscriber delay on the leader and on the followers (the delta's own `ts`, stamped by the leader's
// service when it publishes, to the subscriber's receive time: Redis and the follower's replay included,
// AMI parsing not), CPU per instance, and the time from `kill -9` of the leader to another instance
// leading and resynced. The full run: 10,000 subscribers per instance (bench/procs/subscribers.ts, one
// process per instance, teams of 50 over 2,000 agents, as the single-instance fan-out at 10,000), all
// on the same shared 2-core machine as the three instances, PostgreSQL and Redis.
import { startSimulator } from "../../src/simulator/simulator.ts";
import { createTestPostgres } from "../../test/helpers/databases.ts";
import { sleep } from "../../test/helpers/wait-for.ts";
import { Instance, waitForLeader } from "../../test/faults/helpers/cluster-harness.ts";
import { RedisServer } from "../../test/faults/helpers/redis-server.ts";
import { cpuPercent, readUsage } from "../lib/proc-usage.ts";
import { startChild } from "../lib/rpc.ts";
import type { LatencySummary } from "../lib/stats.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";

export async function clusterScenario(sizes: Sizes, notes: string[]): Promise<Row[]> {
  const perInstance = sizes.mode === "quick" ? 50 : 10_000;
  const agents = sizes.mode === "quick" ? 200 : 2_000;
  const rate = sizes.mode === "quick" ? 20 : 40;
  const seconds = sizes.mode === "quick" ? 10 : 30;
  const failovers = sizes.mode === "quick" ? 1 : 3;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const sim = await startSimulator({ agents, firstExtension: 1000, eventsPerSecond: 0, seed: 5, qualifyDelayMs: 300 });
    cleanups.push(() => sim.close());
    const db = await createTestPostgres();
    cleanups.push(() => db.drop());
    const redis = await RedisServer.start();
    cleanups.push(() => redis.kill());
    const instances: Instance[] = [];
    for (const name of ["a", "b", "c"]) {
      const instance = await Instance.start(
        name,
        { DATABASE_URL: db.url!, AMI_HOST: sim.host, AMI_PORT: String(sim.port), AMI_RECONNECT_MAX_MS: "300", WEB_UI: "false", LOG_LEVEL: "info", CLUSTER_LEASE_MS: "2000", CLUSTER_POLL_MS: "200", CLUSTER_KEY_PREFIX: "bench", AUTH_MODE: "open", WS_MAX_CONNECTIONS_PER_IP: "1000000" },
        { host: "127.0.0.1", port: redis.port },
      );
      cleanups.push(() => instance.stop());
      instances.push(instance);
    }
    const { leader } = await waitForLeader(instances, 30_000);
    const groups: Array<{ instance: Instance; clients: Awaited<ReturnType<typeof startChild>> }> = [];
    for (const instance of instances) {
      const clients = await startChild("subscribers", `cluster-subscribers-${instance.name}`);
      cleanups.push(async () => {
        await clients.call("close").catch(() => undefined);
        await clients.stop();
      });
      await clients.call("connect", { url: instance.wsUrl, count: perInstance, teamSize: 50, first: 1000, agents, parallel: 50 });
      groups.push({ instance, clients });
    }
    await sleep(3_000);
    for (const group of groups) await group.clients.call("reset");
    const before = instances.map((i) => readUsage(i.svc.child.pid!));
    sim.setEventRate(rate);
    await sleep(seconds * 1_000);
    sim.setEventRate(0);
    const after = instances.map((i) => readUsage(i.svc.child.pid!));
    await sleep(2_000);
    const rows: Row[] = [];
    for (const [index, group] of groups.entries()) {
      const role = group.instance === leader ? "leader" : "follower";
      const { latency, deliveries, errors } = await group.clients.call<{ latency: LatencySummary; deliveries: number; errors: string[] }>("publishLatencies");
      const cpu = cpuPercent(before[index]!, after[index]!);
      rows.push(
        { scenario: "cluster", figure: `publish → subscriber p99, ${perInstance.toLocaleString("en-US")} subscribers on the ${role} (${group.instance.name})`, target: "", measured: fmt.ms(latency.p99), met: null, baseline: "", ratio: "" },
        { scenario: "cluster", figure: `CPU of the ${role} (${group.instance.name})`, target: "", measured: fmt.pct(cpu), met: null, baseline: "", ratio: "" },
      );
      notes.push(`cluster ${group.instance.name} (${role}): ${deliveries.toLocaleString("en-US")} deliveries (${Math.round(deliveries / seconds).toLocaleString("en-US")}/s), p50 ${fmt.ms(latency.p50)}, p99 ${fmt.ms(latency.p99)}, CPU ${fmt.pct(cpu)}${errors.length ? `, errors: ${errors.slice(0, 3).join("; ")}` : ""}`);
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
    notes.push(`cluster: 3 instances, ${agents.toLocaleString("en-US")} agents, ${rate} simulator events/s for ${seconds} s, ${perInstance.toLocaleString("en-US")} subscribers per instance in teams of 50 (one process per instance); failovers ${times.map((t) => fmt.s(t)).join(", ")}. Everything shares the 2-core machine: three instances, three subscriber processes, PostgreSQL, Redis and the simulator.`);
    return rows;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
