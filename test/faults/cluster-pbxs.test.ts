// Several instances × several PBXs under faults: three instances as child processes (one PostgreSQL, a
// throw-away Redis), two AMI simulators under load, one graphql-ws client per instance for the whole run.
// a and c prefer east, b prefers west (CLUSTER_PREFERRED_PBXS), so east is led by a or c and west by b.
// East's leader is killed (-9): the other east-preferring instance leads east within 5 s; west's agents
// never go stale meanwhile; the clients of the two survivors keep identical, gap-free streams with one
// epoch. Then east's simulator stops: only east's agents are stale, on every instance.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { createTestPostgres, type TestDatabase } from "../helpers/databases.ts";
import { sleep } from "../helpers/wait-for.ts";
import { expectedAgents } from "../scenarios/pbx-agreement.ts";
import { commonDeltas, FAST_CLUSTER_ENV, Instance, StreamClient } from "./helpers/cluster-harness.ts";
import { RedisServer } from "./helpers/redis-server.ts";

const AGENTS = 30;
const simOptions = { agents: AGENTS, qualifyDelayMs: 300 };

interface State {
  agents: Array<{ extension: string; pbx: string; status: string; online: boolean; stale: boolean }>;
  amiStatus: { pbxs: Array<{ name: string; synced: boolean; leader: string | null }>; cluster: { leads: string[]; streamEpoch: string | null; seq: number } };
}
const STATE = "{ agents { extension pbx status online stale } amiStatus { pbxs { name synced leader } cluster { leads streamEpoch seq } } }";

let east: Simulator;
let west: Simulator;
let eastPort = 0;
let db: TestDatabase;
let redis: RedisServer;
const instances = new Map<string, Instance>();
const clients = new Map<string, StreamClient>();
/** The instances not killed. */
const survivors: string[] = [];

async function stateOf(instance: Instance): Promise<State | null> {
  try {
    const response = await fetch(`${instance.svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: STATE }), signal: AbortSignal.timeout(1_000) });
    return ((await response.json()) as { data?: State }).data ?? null;
  } catch {
    return null;
  }
}

async function untilEvery(names: readonly string[], what: string, done: (state: State) => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(names.map((name) => stateOf(instances.get(name)!)));
    if (states.every((state) => state !== null && done(state))) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; now ${JSON.stringify(states.map((s) => s?.amiStatus))}`);
    await sleep(50);
  }
}

const leaderOf = (state: State, pbx: string) => state.amiStatus.pbxs.find((p) => p.name === pbx)?.leader ?? null;
const onPbx = (state: State, pbx: string) => state.agents.filter((agent) => agent.pbx === pbx);

async function start(name: string, preferred: string): Promise<Instance> {
  const pbxs = [
    { name: "east", host: east.host, port: east.port, secret: "crmsecret" },
    { name: "west", host: west.host, port: west.port, secret: "crmsecret" },
  ];
  const instance = await Instance.start(
    name,
    {
      DATABASE_URL: db.url!,
      AMI_PBXS: JSON.stringify(pbxs),
      AMI_SECRET: "", // the harness's default; AMI_PBXS carries the secrets
      ...FAST_CLUSTER_ENV,
      CLUSTER_KEY_PREFIX: "test-cluster-pbxs",
      CLUSTER_PREFERRED_PBXS: preferred,
    },
    { host: "127.0.0.1", port: redis.port },
  );
  instances.set(name, instance);
  return instance;
}

beforeAll(async () => {
  [east, west] = await Promise.all([startSimulator({ ...simOptions, firstExtension: 1000, seed: 21, eventsPerSecond: 15 }), startSimulator({ ...simOptions, firstExtension: 2000, seed: 22, eventsPerSecond: 15 })]);
  db = await createTestPostgres();
  redis = await RedisServer.start();
  await Promise.all([start("a", "east"), start("b", "west"), start("c", "east")]);
  await untilEvery(["a", "b", "c"], "east led by a or c, west by b, all synced", (state) => ["a", "c"].includes(leaderOf(state, "east") ?? "") && leaderOf(state, "west") === "b" && state.amiStatus.pbxs.every((pbx) => pbx.synced));
  for (const [name, instance] of instances) clients.set(name, new StreamClient(instance.wsUrl));
  const deadline = Date.now() + 10_000;
  while ([...clients.values()].some((client) => client.snapshots === 0) && Date.now() < deadline) await sleep(20);
}, 180_000);

/** Waits (15 s at most) until every client holds both simulators' truth, fresh; returns what still differs. `count`: the number of agents must match too. */
async function untilClientsMatch(whole: readonly StreamClient[], count: boolean): Promise<string[]> {
  const truth = () => new Map([...expectedAgents(east.contacts(), east.endpoints()), ...expectedAgents(west.contacts(), west.endpoints())]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const problems: string[] = [];
    for (const [index, client] of whole.entries()) {
      for (const [extension, want] of truth()) {
        const got = client.agents.get(extension);
        if (!got || got.status !== want.status || got.online !== want.online || got.stale) problems.push(`client ${index}: ${extension} ${got?.status ?? "missing"}${got?.stale ? " (stale)" : ""}, PBX ${want.status}`);
      }
      if (count && client.agents.size !== truth().size) problems.push(`client ${index}: ${client.agents.size} agents`);
    }
    if (problems.length === 0 || Date.now() > deadline) return problems;
    await sleep(100);
  }
}

afterAll(async () => {
  for (const client of clients.values()) await client.close().catch(() => undefined);
  for (const instance of instances.values()) await instance.stop().catch(() => undefined);
  await redis?.kill();
  await db?.drop();
  await Promise.all([east?.close().catch(() => undefined), west?.close()]);
});

describe("several instances × several PBXs, under faults", () => {
  it("kill -9 of east's leader: the other instance preferring east leads it within 5 s, west's agents stay fresh, the survivors' streams stay identical, gap-free, one epoch", async () => {
    await sleep(1_500);
    const eastLeader = leaderOf((await stateOf(instances.get("b")!))!, "east")!;
    const heir = eastLeader === "a" ? "c" : "a";
    const killedAt = performance.now();
    await instances.get(eastLeader)!.svc.kill9();
    let westStale = 0;
    let tookMs = 0;
    for (;;) {
      const [b, c] = await Promise.all([stateOf(instances.get("b")!), stateOf(instances.get(heir)!)]);
      if (b && onPbx(b, "west").some((agent) => agent.stale)) westStale++;
      if (c && onPbx(c, "west").some((agent) => agent.stale)) westStale++;
      if (c && leaderOf(c, "east") === heir && c.amiStatus.pbxs.every((pbx) => pbx.synced)) {
        tookMs = performance.now() - killedAt;
        break;
      }
      if (performance.now() - killedAt > 20_000) throw new Error(`${heir} did not take east over: ${JSON.stringify(c?.amiStatus)}`);
      await sleep(25);
    }
    console.info(`east's leader ${eastLeader} killed: ${heir} leads east and has resynced after ${Math.round(tookMs)} ms; west stale in ${westStale} samples`);
    expect(tookMs).toBeLessThan(5_000);
    expect(westStale).toBe(0);
    survivors.push("b", heir);
    await untilEvery(survivors, "the survivors say who leads", (state) => leaderOf(state, "east") === heir && leaderOf(state, "west") === "b");

    await sleep(1_500);
    east.setEventRate(0);
    west.setEventRate(0);
    const whole = survivors.map((name) => clients.get(name)!);
    expect((await untilClientsMatch(whole, false)).slice(0, 10)).toEqual([]);
    for (const client of whole) {
      expect(client.problems()).toEqual([]);
      expect(client.snapshots).toBe(1);
      expect(client.connections).toBe(1);
    }
    const shared = commonDeltas(whole[0]!, whole[1]!);
    expect(shared.a.length).toBeGreaterThan(50);
    expect(shared.a).toEqual(shared.b);
    expect(new Set(shared.a.map((line) => line.split(":")[0])).size, "one epoch across the change of east's leader").toBe(1);
    console.info(`${shared.a.length} deltas identical on the survivors' clients`);
  }, 60_000);

  it("east's simulator stopped: only east's agents are stale, on every instance", async () => {
    eastPort = east.port;
    await east.close();
    await untilEvery(survivors, "east stale, west fresh", (state) => onPbx(state, "east").length === AGENTS && onPbx(state, "east").every((agent) => agent.stale) && onPbx(state, "west").every((agent) => !agent.stale));
    for (const name of survivors) {
      const response = await fetch(`${instances.get(name)!.svc.url}/readyz`);
      const ready = (await response.json()) as { checks: Record<string, { ok: boolean }> };
      expect(response.status, "ready while west is synced").toBe(200);
      expect([ready.checks["ami:east"]?.ok, ready.checks["ami:west"]?.ok]).toEqual([false, true]);
    }
  }, 30_000);

  it("Redis killed and restarted empty under load: a new stream (new epoch), each PBX's leader publishes its PBX again; every client ends equal to both PBXs, every instance at the same seq", async () => {
    east = await startSimulator({ ...simOptions, firstExtension: 1000, seed: 21, port: eastPort, eventsPerSecond: 15 });
    west.setEventRate(15);
    await untilEvery(survivors, "east back", (state) => state.agents.length === 2 * AGENTS && state.agents.every((agent) => !agent.stale));
    const before = (await stateOf(instances.get("b")!))!.amiStatus.cluster.streamEpoch;
    await redis.kill();
    await sleep(1_000);
    await redis.up();
    await untilEvery(survivors, "a new stream, both PBXs led and synced", (state) => state.amiStatus.cluster.streamEpoch !== before && state.amiStatus.pbxs.every((pbx) => pbx.synced && pbx.leader !== null), 20_000);
    await sleep(2_000);
    east.setEventRate(0);
    west.setEventRate(0);
    const whole = survivors.map((name) => clients.get(name)!);
    expect((await untilClientsMatch(whole, true)).slice(0, 10)).toEqual([]);
    for (const client of whole) expect(client.problems()).toEqual([]);
    const states = await Promise.all(survivors.map((name) => stateOf(instances.get(name)!)));
    expect(new Set(states.map((state) => `${state?.amiStatus.cluster.streamEpoch}:${state?.amiStatus.cluster.seq}`)).size, "every instance at the same epoch and seq").toBe(1);
    console.info(`Redis restart: snapshots per client ${whole.map((client) => client.snapshots).join(", ")}`);
  }, 60_000);
});
