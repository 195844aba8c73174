// Three instances on one PostgreSQL and one Redis, one AMI simulator as the PBX under load, one graphql-ws
// client per instance for the whole run. The leader is killed (-9), frozen (SIGSTOP), and cut from Redis;
// another takes over within 5 s each time; every client's stream stays gap-free, the whole-run clients'
// streams are identical, and all end equal to the simulator's truth. The frozen leader, resumed, writes
// nothing (a trigger records which instance wrote each row). Then Redis itself is killed and restarted
// empty under load: followers re-snapshot, nobody keeps a wrong state.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { createTestPostgres, type TestDatabase } from "../helpers/databases.ts";
import { sleep } from "../helpers/wait-for.ts";
import { expectedAgents } from "../scenarios/pbx-agreement.ts";
import { commonDeltas, FAST_CLUSTER_ENV, Instance, StreamClient, waitForLeader } from "./helpers/cluster-harness.ts";
import { RedisServer } from "./helpers/redis-server.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const TAKEOVER_LIMIT_MS = 5_000;

interface Setup {
  sim: Simulator;
  db: TestDatabase;
  redis: RedisServer;
  instances: Instance[];
  clients: StreamClient[];
}

async function setup(): Promise<Setup> {
  const sim = await startSimulator({ agents: 60, eventsPerSecond: 40, seed: 12, qualifyDelayMs: 300 });
  cleanups.push(() => sim.close());
  const db = await createTestPostgres();
  cleanups.push(() => db.drop());
  // Which instance wrote each endpoint row, and when (application_name is the instance).
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    CREATE TABLE write_audit (app text, ext text, at timestamptz DEFAULT clock_timestamp());
    CREATE FUNCTION audit_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO write_audit (app, ext) VALUES (current_setting('application_name'), COALESCE(NEW.id, OLD.id)); RETURN NULL; END $$;
    CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON ps_endpoints FOR EACH ROW EXECUTE FUNCTION audit_write();`);
  await admin.end();
  const redis = await RedisServer.start();
  cleanups.push(() => redis.kill());
  // Started side by side: a start (module loading, migrations check) is most of the setup otherwise.
  const instances = await Promise.all(
    ["a", "b", "c"].map(async (name) => {
      const url = new URL(db.url!);
      url.searchParams.set("application_name", name);
      const instance = await Instance.start(
        name,
        {
          DATABASE_URL: url.toString(),
          AMI_HOST: sim.host,
          AMI_PORT: String(sim.port),
          ...FAST_CLUSTER_ENV,
          CLUSTER_KEY_PREFIX: "test-cluster",
        },
        { host: "127.0.0.1", port: redis.port },
      );
      cleanups.push(() => instance.stop());
      return instance;
    }),
  );
  await waitForLeader(instances, 20_000);
  const clients = instances.map((instance) => new StreamClient(instance.wsUrl));
  for (const client of clients) cleanups.push(() => client.close());
  const deadline = Date.now() + 10_000;
  while (clients.some((c) => c.snapshots === 0)) {
    if (Date.now() > deadline) throw new Error("a client got no snapshot");
    await sleep(20);
  }
  return { sim, db, redis, instances, clients };
}

async function writesBy(db: TestDatabase, app: string, after: Date): Promise<number> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>("SELECT count(*) AS n FROM write_audit WHERE app = $1 AND at > $2", [app, after]);
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Quiet the PBX, then every client's state must equal the simulator's truth (fresh, not stale). */
async function expectAllEqualTruth(sim: Simulator, clients: readonly StreamClient[]): Promise<void> {
  sim.setEventRate(0);
  const deadline = Date.now() + 15_000;
  let problems: string[] = [];
  for (;;) {
    const truth = expectedAgents(sim.contacts(), sim.endpoints());
    problems = [];
    for (const [index, client] of clients.entries()) {
      for (const [extension, want] of truth) {
        const got = client.agents.get(extension);
        if (!got) problems.push(`client ${index}: ${extension} missing`);
        else if (got.status !== want.status || got.online !== want.online || got.stale) problems.push(`client ${index}: ${extension} ${got.status}${got.stale ? " (stale)" : ""}, PBX ${want.status}`);
      }
      if (client.agents.size !== truth.size) problems.push(`client ${index}: ${client.agents.size} agents, PBX ${truth.size}`);
    }
    if (problems.length === 0) return;
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  expect(problems.slice(0, 20)).toEqual([]);
}

describe("several instances: one AMI reader with failover, Redis fan-out, one sequence", () => {
  it("takes over within 5 s after kill -9, SIGSTOP and a Redis cut of the leader; streams stay identical and gap-free; the resumed leader writes nothing", async () => {
    const t0 = Date.now();
    const { sim, db, instances, clients } = await setup();
    const figures: string[] = [];
    const phase = (what: string) => console.info(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
    phase("3 instances up, 3 clients subscribed");
    await sleep(1_500);

    // 1. kill -9 the leader.
    let { leader } = await waitForLeader(instances, 5_000);
    const killed = leader;
    phase(`kill -9 ${killed.name}`);
    await killed.svc.kill9();
    let takeover = await waitForLeader(instances.filter((i) => i !== killed), 15_000);
    figures.push(`kill -9: ${Math.round(takeover.ms)} ms`);
    expect(takeover.ms, "takeover after kill -9").toBeLessThan(TAKEOVER_LIMIT_MS);
    // The killed instance comes back on the same port: its client reconnects and gets a new snapshot.
    await killed.spawn();
    await sleep(1_500);

    // 2. SIGSTOP the new leader, then resume it.
    leader = takeover.leader;
    const frozen = leader;
    phase(`SIGSTOP ${frozen.name}`);
    frozen.svc.child.kill("SIGSTOP");
    const frozenAt = Date.now();
    takeover = await waitForLeader(instances.filter((i) => i !== frozen), 15_000, [frozen]);
    figures.push(`SIGSTOP: ${Math.round(takeover.ms)} ms`);
    expect(takeover.ms, "takeover after SIGSTOP").toBeLessThan(TAKEOVER_LIMIT_MS);
    await sleep(1_000);
    const resumedAt = new Date();
    frozen.svc.child.kill("SIGCONT");
    await frozen.svc.waitForLog(/^stepping down/, 10_000);
    await sleep(2_000);
    expect(await writesBy(db, frozen.name, resumedAt), "rows written by the deposed leader after it resumed").toBe(0);
    const frozenStatus = await frozen.status();
    expect(frozenStatus?.cluster?.role).toBe("FOLLOWER");
    figures.push(`frozen ${Math.round((resumedAt.getTime() - frozenAt) / 100) / 10} s, resumed as follower, 0 writes`);

    // 3. Cut the current leader's Redis link.
    leader = takeover.leader;
    const cut = leader;
    phase(`cut ${cut.name}'s Redis link`);
    await cut.redisProxy.cut();
    takeover = await waitForLeader(instances.filter((i) => i !== cut), 15_000, [cut]);
    figures.push(`Redis cut: ${Math.round(takeover.ms)} ms`);
    expect(takeover.ms, "takeover after a Redis cut").toBeLessThan(TAKEOVER_LIMIT_MS);
    await sleep(1_000);
    await cut.redisProxy.restore();
    await sleep(2_000);

    phase("comparing with the PBX");
    await expectAllEqualTruth(sim, clients);
    for (const [index, client] of clients.entries()) expect(client.problems(), `client ${index}`).toEqual([]);
    // Clients of instances that never restarted: one connection, one snapshot, the very same deltas.
    const whole = clients.filter((_, index) => instances[index] !== killed);
    for (const client of whole) {
      expect(client.connections).toBe(1);
      expect(client.snapshots).toBe(1);
    }
    const [first, second] = whole;
    const shared = commonDeltas(first!, second!);
    expect(shared.a.length).toBeGreaterThan(100);
    expect(shared.a).toEqual(shared.b);
    // One stream for the whole run: the epoch never changed across three leader changes.
    expect(new Set([...first!.deltaLines().values()].map((line) => line.split(":")[0])).size).toBe(1);
    // Operations: every instance says who leads; metrics count the leadership changes.
    const { leader: finalLeader } = await waitForLeader(instances, 5_000);
    for (const instance of instances) {
      const response = await fetch(`${instance.svc.url}/readyz`);
      const ready = (await response.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
      expect(`${response.status} ${ready.status}`, `${instance.name}: ${JSON.stringify(ready.checks)}`).toBe("200 ready");
      expect(ready.checks.cluster?.detail).toBe(instance === finalLeader ? `PBX default led by this instance (${instance.name})` : `PBX default led by ${finalLeader.name}`);
      const metrics = await (await fetch(`${instance.svc.url}/metrics`)).text();
      expect(metrics).toContain(`cluster_leader{pbx="default"} ${instance === finalLeader ? 1 : 0}`);
    }
    const frozenMetrics = await (await fetch(`${frozen.svc.url}/metrics`)).text();
    expect(frozenMetrics).toMatch(/cluster_depositions_total\{pbx="default"\} [1-9]/);
    console.info(`cluster failover: ${figures.join("; ")}; ${shared.a.length} deltas identical on the whole-run clients`);
  }, 240_000); // ~70 s on a quiet machine; starting three processes alone takes a minute under heavy load

  it("Redis killed and restarted empty under load: followers re-snapshot, every client ends equal to the PBX", async () => {
    const { sim, redis, instances, clients } = await setup();
    await sleep(1_500);
    await redis.kill();
    await sleep(1_000);
    await redis.up();
    await waitForLeader(instances, 15_000);
    await sleep(2_000);
    await expectAllEqualTruth(sim, clients);
    for (const [index, client] of clients.entries()) expect(client.problems(), `client ${index}`).toEqual([]);
    const states = await Promise.all(instances.map((i) => i.status()));
    expect(new Set(states.map((s) => s?.cluster?.seq)).size, "every instance at the same seq").toBe(1);
    console.info(`Redis restart: snapshots per client ${clients.map((c) => c.snapshots).join(", ")}`);
  }, 240_000);
});
