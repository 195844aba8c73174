// Several instances × several PBXs: two instances (in-process, one PostgreSQL, one Redis) watching two PBXs
// (two AMI simulators), each instance preferring one PBX so that each PBX has a different leader. Both
// instances serve both PBXs' agents; a graphql-ws client on each sees the same gap-free stream (same seq for
// the same change) while both PBXs produce events; commands go to the leader of the extension's PBX; one
// PBX stopped marks only its agents stale on every instance; the leader of one PBX stopping hands that PBX
// to the other instance within 5 s while the other PBX's agents stay fresh and the streams stay continuous.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { createTestPostgres, type TestDatabase } from "../helpers/databases.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep } from "../helpers/wait-for.ts";
import { expectedAgents } from "../scenarios/pbx-agreement.ts";
import { commonDeltas, StreamClient } from "../faults/helpers/cluster-harness.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const keyPrefix = `test-pbxs-cluster-${randomUUID().slice(0, 8)}`;
const simOptions = { agents: 12, qualifyDelayMs: 300, restartQualifyMs: 200, loginFailureDelayMs: 20 };

interface AgentRow {
  extension: string;
  pbx: string;
  status: string;
  stale: boolean;
}
interface PbxRow {
  name: string;
  synced: boolean;
  leader: string | null;
}
interface State {
  agents: AgentRow[];
  amiStatus: { synced: boolean; pbxs: PbxRow[]; cluster: { leads: string[]; streamEpoch: string | null; seq: number } };
}
const STATE = "{ agents { extension pbx status stale } amiStatus { synced pbxs { name synced leader } cluster { leads streamEpoch seq } } }";

let db: TestDatabase;
let east: Simulator;
let west: Simulator;
const apps = new Map<string, App>();
const clients: StreamClient[] = [];
const log = new MemoryLog();

function configFor(instance: string, preferred: string) {
  const pbxs = [
    { name: "east", host: east.host, port: east.port, secret: "crmsecret" },
    { name: "west", host: west.host, port: west.port, secret: "crmsecret" },
  ];
  return loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: db.url!,
    AMI_PBXS: JSON.stringify(pbxs),
    AMI_PING_INTERVAL_MS: "1000",
    AMI_RECONNECT_MAX_MS: "200",
    WRITE_FLUSH_MS: "20",
    WEB_UI: "false",
    REFRESH_MIN_INTERVAL_MS: "0",
    REDIS_URL,
    CLUSTER_KEY_PREFIX: keyPrefix,
    CLUSTER_LEASE_MS: "2000",
    CLUSTER_POLL_MS: "100",
    CLUSTER_REDIS_GRACE_MS: "1500",
    CLUSTER_PREFERRED_PBXS: preferred,
    INSTANCE_ID: instance,
  });
}

async function graphql<T>(app: App, query: string): Promise<T> {
  const res = await fetch(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!res.ok || body.errors) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

/** Polls every running instance until `done` holds for each. */
async function untilEvery(what: string, done: (state: State, instance: string) => boolean, timeoutMs = 15_000): Promise<Map<string, State>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = new Map(await Promise.all([...apps].map(async ([name, app]) => [name, await graphql<State>(app, STATE)] as const)));
    if ([...states].every(([name, state]) => done(state, name))) return states;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; now ${JSON.stringify([...states])}`);
    await sleep(50);
  }
}

const leaderOf = (state: State, pbx: string) => state.amiStatus.pbxs.find((p) => p.name === pbx)?.leader ?? null;
const onPbx = (state: State, pbx: string) => state.agents.filter((agent) => agent.pbx === pbx);
const allFresh = (state: State) => state.agents.length === 2 * simOptions.agents && state.agents.every((agent) => !agent.stale);

/** Both PBXs' truth, as one call centre. */
function truth(): Map<string, { status: string; online: boolean }> {
  return new Map([...expectedAgents(east.contacts(), east.endpoints()), ...expectedAgents(west.contacts(), west.endpoints())]);
}

async function expectClientsEqualTruth(watched: readonly StreamClient[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  let problems: string[] = [];
  for (;;) {
    const want = truth();
    problems = [];
    for (const [index, client] of watched.entries()) {
      for (const [extension, expected] of want) {
        const got = client.agents.get(extension);
        if (!got || got.status !== expected.status || got.online !== expected.online || got.stale) problems.push(`client ${index}: ${extension} ${got ? `${got.status}${got.stale ? " (stale)" : ""}` : "missing"}, PBX ${expected.status}`);
      }
      if (client.agents.size !== want.size) problems.push(`client ${index}: ${client.agents.size} agents, PBXs ${want.size}`);
    }
    if (problems.length === 0 || Date.now() > deadline) break;
    await sleep(50);
  }
  expect(problems.slice(0, 10)).toEqual([]);
}

beforeAll(async () => {
  db = await createTestPostgres();
  [east, west] = await Promise.all([startSimulator({ ...simOptions, firstExtension: 1000, seed: 3 }), startSimulator({ ...simOptions, firstExtension: 2000, seed: 4 })]);
  const [a, b] = await Promise.all([startApp(configFor("a", "east"), log), startApp(configFor("b", "west"), log)]);
  apps.set("a", a!).set("b", b!);
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  for (const app of apps.values()) await app.stop().catch(() => undefined);
  await Promise.all([east?.close(), west?.close()]);
  await db?.drop();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const keys = await redis.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("several instances × several PBXs", () => {
  it("each PBX has its own leader (here a different instance each); both instances serve both PBXs' agents and say who leads which", async () => {
    const states = await untilEvery("east led by a, west by b, every agent fresh on both", (state) => leaderOf(state, "east") === "a" && leaderOf(state, "west") === "b" && state.amiStatus.synced && allFresh(state));
    expect(states.get("a")!.amiStatus.cluster.leads).toEqual(["east"]);
    expect(states.get("b")!.amiStatus.cluster.leads).toEqual(["west"]);
    for (const state of states.values()) {
      expect(onPbx(state, "east").map((agent) => agent.extension)).toContain("1000");
      expect(onPbx(state, "west").map((agent) => agent.extension)).toContain("2000");
    }
    for (const [name, app] of apps) {
      const response = await fetch(`${app.url}/readyz`);
      const ready = (await response.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
      expect(response.status).toBe(200);
      expect(ready.checks.cluster?.detail).toBe(name === "a" ? "PBX east led by this instance (a); PBX west led by b" : "PBX east led by a; PBX west led by this instance (b)");
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toContain(`cluster_leader{pbx="east"} ${name === "a" ? 1 : 0}`);
      expect(metrics).toContain(`cluster_leader{pbx="west"} ${name === "b" ? 1 : 0}`);
    }
  });

  it("a command goes to the leader of the extension's PBX, from either instance", async () => {
    // a leads east only: 2001's DND goes through b's AMI session on west; b sends 1001's to a's on east.
    expect(await graphql(apps.get("a")!, `mutation { setDnd(extension: "2001", on: true) { accepted } }`)).toEqual({ setDnd: { accepted: true } });
    expect(await graphql(apps.get("b")!, `mutation { setDnd(extension: "1001", on: true) { accepted } }`)).toEqual({ setDnd: { accepted: true } });
    expect(west.agentLayers().find((agent) => agent.extension === "2001")?.dnd).toBe(true);
    expect(east.agentLayers().find((agent) => agent.extension === "1001")?.dnd).toBe(true);
    expect(east.agentLayers().find((agent) => agent.extension === "2001")).toBeUndefined();
    await untilEvery("both DNDs served everywhere", (state) => ["1001", "2001"].every((extension) => state.agents.find((agent) => agent.extension === extension)?.status !== undefined));
    const metrics = await (await fetch(`${apps.get("a")!.url}/metrics`)).text();
    expect(metrics).toMatch(/^cluster_forwarded_commands_total\{pbx="west"\} [1-9]/m);
    expect(metrics).toMatch(/^cluster_served_commands_total\{pbx="east"\} [1-9]/m);
    await graphql(apps.get("a")!, `mutation { setDnd(extension: "2001", on: false) { accepted } }`);
    await graphql(apps.get("a")!, `mutation { setDnd(extension: "1001", on: false) { accepted } }`);
  });

  it("while both PBXs produce events, a client on each instance sees the same gap-free stream: same seq for the same change", async () => {
    for (const app of apps.values()) clients.push(new StreamClient(app.url.replace(/^http/, "ws") + "/graphql"));
    const deadline = Date.now() + 10_000;
    while (clients.some((client) => client.snapshots === 0) && Date.now() < deadline) await sleep(20);
    east.setEventRate(25);
    west.setEventRate(25);
    await sleep(3_000);
    east.setEventRate(0);
    west.setEventRate(0);
    await expectClientsEqualTruth(clients);
    for (const [index, client] of clients.entries()) expect(client.problems(), `client ${index}`).toEqual([]);
    const shared = commonDeltas(clients[0]!, clients[1]!);
    expect(shared.a).toEqual(shared.b);
    // Both PBXs' changes, interleaved in one sequence.
    const extensions = new Set(shared.a.map((line) => line.split(":")[2]!.slice(0, 1)));
    expect(shared.a.length, "deltas both clients received").toBeGreaterThan(40);
    expect([...extensions].sort()).toEqual(["1", "2"]);
    expect(new Set(shared.a.map((line) => line.split(":")[0])).size, "one epoch").toBe(1);
  });

  it("one PBX stopped: only its agents are stale, on every instance; back: fresh again", async () => {
    const port = west.port;
    await west.close();
    const down = await untilEvery("west's agents stale, east's fresh", (state) => onPbx(state, "west").every((agent) => agent.stale) && onPbx(state, "east").every((agent) => !agent.stale) && onPbx(state, "west").length === simOptions.agents);
    for (const state of down.values()) expect(state.amiStatus.pbxs.map((pbx) => [pbx.name, pbx.synced])).toEqual([["east", true], ["west", false]]);
    const ready = (await (await fetch(`${apps.get("a")!.url}/readyz`)).json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
    expect(ready.status).toBe("ready");
    expect(ready.checks["ami:west"]).toMatchObject({ ok: false, detail: expect.stringMatching(/^leader b: /) });
    west = await startSimulator({ ...simOptions, firstExtension: 2000, seed: 4, port });
    await untilEvery("west back and fresh everywhere", (state) => state.amiStatus.synced && allFresh(state));
    await expectClientsEqualTruth(clients);
    for (const [index, client] of clients.entries()) expect(client.problems(), `client ${index}`).toEqual([]);
  });

  it("the leader of one PBX stops: the other instance leads it within 5 s; the other PBX's agents stay fresh; the stream goes on without a gap or a new epoch", async () => {
    const [clientA, clientB] = clients;
    const before = await graphql<State>(apps.get("b")!, STATE);
    east.setEventRate(10);
    west.setEventRate(10);
    await sleep(500);
    await clientA!.close();
    const a = apps.get("a")!;
    apps.delete("a");
    const started = performance.now();
    await a.stop();
    let westStale = 0;
    let samples = 0;
    let tookMs = 0;
    for (;;) {
      const state = await graphql<State>(apps.get("b")!, STATE);
      samples++;
      if (onPbx(state, "west").some((agent) => agent.stale)) westStale++;
      if (leaderOf(state, "east") === "b" && state.amiStatus.pbxs.every((pbx) => pbx.synced) && allFresh(state)) {
        tookMs = performance.now() - started;
        break;
      }
      if (performance.now() - started > 15_000) throw new Error(`b did not take east over: ${JSON.stringify(state.amiStatus)}`);
      await sleep(25);
    }
    east.setEventRate(0);
    west.setEventRate(0);
    console.info(`east's leader stopped: b leads east and has resynced after ${Math.round(tookMs)} ms (${samples} samples, west stale in ${westStale})`);
    expect(tookMs).toBeLessThan(5_000);
    expect(westStale, "west's agents stale while east changed leader").toBe(0);
    const after = await graphql<State>(apps.get("b")!, STATE);
    expect(after.amiStatus.cluster.leads).toEqual(["east", "west"]);
    expect(after.amiStatus.cluster.streamEpoch).toBe(before.amiStatus.cluster.streamEpoch);
    await expectClientsEqualTruth([clientB!]);
    // The whole run on one connection: one snapshot, then deltas +1 each, one epoch across the change of leader.
    expect(clientB!.problems()).toEqual([]);
    expect(clientB!.snapshots).toBe(1);
    expect(clientB!.connections).toBe(1);
    expect(new Set(clientB!.events.map((event) => event.epoch)).size).toBe(1);
  });

  it("an instance that prefers a PBX comes up: the instance leading it without preferring it hands it over; the stream goes on", async () => {
    const [, clientB] = clients;
    const seen = clientB!.events.length;
    const started = performance.now();
    apps.set("a2", await startApp(configFor("a2", "east"), log));
    const states = await untilEvery("east handed to a2, west kept by b, all fresh", (state) => leaderOf(state, "east") === "a2" && leaderOf(state, "west") === "b" && state.amiStatus.synced && allFresh(state));
    console.info(`east handed over to a2 ${Math.round(performance.now() - started)} ms after it started`);
    expect(states.get("b")!.amiStatus.cluster.leads).toEqual(["west"]);
    expect(states.get("a2")!.amiStatus.cluster.leads).toEqual(["east"]);
    expect(log.entries.some((entry) => /handing PBX east to instance a2/.test(String(entry.obj && (entry.obj as { reason?: string }).reason))), "b says why it resigned").toBe(true);
    // b's subscribers: still one connection, no new snapshot, no gap (east's agents went stale and fresh again).
    expect(clientB!.problems()).toEqual([]);
    expect(clientB!.snapshots).toBe(1);
    expect(clientB!.events.length).toBeGreaterThan(seen);
    await expectClientsEqualTruth([clientB!]);
  });

  it("records lost from the stream with no saved snapshot to resume from: a leader starts a new stream after two leases; every client takes a new snapshot (new epoch) and ends equal to the PBXs", async () => {
    const [, clientB] = clients;
    const before = await graphql<State>(apps.get("b")!, STATE);
    const snapshots = clientB!.snapshots;
    // Five records "lost": Redis numbers the next append five past the last one every instance applied.
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect();
    await redis.hincrby(`${keyPrefix}:head`, "n", 5);
    redis.disconnect();
    east.setEventRate(10);
    west.setEventRate(10);
    await untilEvery("a new stream everywhere", (state) => state.amiStatus.cluster.streamEpoch !== before.amiStatus.cluster.streamEpoch && state.amiStatus.synced, 20_000);
    east.setEventRate(0);
    west.setEventRate(0);
    await expectClientsEqualTruth([clientB!]);
    expect(clientB!.problems()).toEqual([]);
    expect(clientB!.snapshots).toBe(snapshots + 1);
    expect(log.entries.some((entry) => entry.msg?.startsWith("started a new cluster stream") && (entry.obj as { forced?: boolean }).forced === true)).toBe(true);
    const states = await untilEvery("every instance at the same seq", () => true);
    expect(new Set([...states.values()].map((state) => `${state.amiStatus.cluster.streamEpoch}:${state.amiStatus.cluster.seq}`)).size).toBe(1);
  });
});
