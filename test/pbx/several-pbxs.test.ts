// One service (startApp on in-memory PGlite) watching two PBXs (two AMI simulators, AMI_PBXS): agents of
// both served with their PBX; one PBX down marks only its own agents stale, and its resync after it comes
// back makes them fresh; commands go to the extension's own PBX; an extension two PBXs report is served
// from one and reported as a collision.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { adminQuery, ADMIN_POSTGRES_URL, withDatabase } from "../helpers/databases.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

interface AgentRow {
  extension: string;
  pbx: string;
  status: string;
  stale: boolean;
  available: boolean;
  extensions: Array<{ extension: string; pbx: string }>;
}
interface PbxRow {
  name: string;
  connected: boolean;
  synced: boolean;
  agents: number;
  lastError: string | null;
  collisions: Array<{ extension: string; owner: string }>;
}

const simOptions = { qualifyDelayMs: 50, restartQualifyMs: 200, loginFailureDelayMs: 20 };

async function startFor(sims: Record<string, { host: string; port: number }>, log: MemoryLog, database: Record<string, string> = { DATABASE_URL: "memory:" }): Promise<App> {
  const pbxs = Object.entries(sims).map(([name, sim]) => ({ name, host: sim.host, port: sim.port, username: "crm", secret: "crmsecret" }));
  return startApp(
    loadConfig({
      HOST: "127.0.0.1",
      PORT: "0",
      ...database,
      AMI_PBXS: JSON.stringify(pbxs),
      AMI_PING_INTERVAL_MS: "1000",
      AMI_RECONNECT_MAX_MS: "200",
      WRITE_FLUSH_MS: "20",
      REFRESH_MIN_INTERVAL_MS: "0",
      WEB_UI: "false",
    }),
    log,
  );
}

async function graphql<T>(app: App, query: string): Promise<T> {
  const res = await fetch(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!res.ok || body.errors) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

const STATE = "{ agents { extension pbx status stale available extensions { extension pbx } } amiStatus { connected synced pbxs { name connected synced agents lastError collisions { extension owner } } } }";
type State = { agents: AgentRow[]; amiStatus: { connected: boolean; synced: boolean; pbxs: PbxRow[] } };

async function until(app: App, what: string, done: (state: State) => boolean, timeoutMs = 10_000): Promise<State> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await graphql<State>(app, STATE);
    if (done(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; now ${JSON.stringify(state)}`);
    await sleep(20);
  }
}

/** A new database on the machine's PostgreSQL (faster to start than PGlite on a busy machine). */
async function freshPostgres(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const name = `test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  return { env: { DATABASE_URL: withDatabase(ADMIN_POSTGRES_URL, name) }, drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

const byPbx = (state: State, pbx: string) => state.agents.filter((agent) => agent.pbx === pbx);

interface StreamEvent {
  __typename: string;
  seq: number;
  agents?: Array<{ extension: string; pbx: string }>;
  agent?: { extension: string; pbx: string; stale: boolean };
}

describe("two PBXs, distinct extensions (PGlite)", () => {
  let east: Simulator;
  let west: Simulator;
  let app: App;
  let ws: Client;
  const events: StreamEvent[] = [];
  const log = new MemoryLog();

  beforeAll(async () => {
    east = await startSimulator({ ...simOptions, agents: 3, firstExtension: 1000 });
    west = await startSimulator({ ...simOptions, agents: 3, firstExtension: 2000 });
    app = await startFor({ east, west }, log);
    await until(app, "both PBXs synced", (s) => s.amiStatus.synced && s.agents.length === 6 && s.agents.every((a) => !a.stale && a.status === "AVAILABLE"));
    ws = createClient({ url: app.url.replace("http", "ws") + "/graphql", webSocketImpl: WebSocket, retryAttempts: 0 });
    ws.subscribe<{ agentStatus: StreamEvent }>(
      { query: "subscription { agentStatus { __typename ... on AgentsSnapshot { seq agents { extension pbx } } ... on AgentStatusChanged { seq agent { extension pbx stale } } } }" },
      { next: (r) => r.data && events.push(r.data.agentStatus), error: () => {}, complete: () => {} },
    );
    await waitFor(() => events.length > 0, { timeoutMs: 5_000, message: "the subscription's snapshot" });
  });
  afterAll(async () => {
    await ws?.dispose();
    await app?.stop();
    await east?.close();
    await west?.close();
  });

  it("serves the agents of both, each with its PBX, and each PBX's status", async () => {
    const state = await until(app, "both PBXs synced", (s) => s.amiStatus.synced && s.agents.length === 6 && s.agents.every((a) => !a.stale && a.status === "AVAILABLE"));
    expect(state.agents.map((a) => [a.extension, a.pbx])).toEqual([
      ["1000", "east"],
      ["1001", "east"],
      ["1002", "east"],
      ["2000", "west"],
      ["2001", "west"],
      ["2002", "west"],
    ]);
    expect(state.agents.every((a) => a.extensions.every((e) => e.pbx === a.pbx))).toBe(true);
    expect(state.amiStatus.pbxs).toEqual([
      { name: "east", connected: true, synced: true, agents: 3, lastError: null, collisions: [] },
      { name: "west", connected: true, synced: true, agents: 3, lastError: null, collisions: [] },
    ]);
    const { extension } = await graphql<{ extension: { pbx: string } }>(app, '{ extension(id: "2001") { pbx } }');
    expect(extension.pbx).toBe("west");
    const rest = (await (await fetch(`${app.url}/api/ami/extensions`)).json()) as Array<{ extension: string; pbx: string }>;
    expect(rest.map((e) => `${e.extension}@${e.pbx}`)).toEqual(["1000@east", "1001@east", "1002@east", "2000@west", "2001@west", "2002@west"]);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks).toMatchObject({ ami: { ok: true }, "ami:east": { ok: true }, "ami:west": { ok: true } });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('pbx_synced{pbx="west"} 1');
    expect(metrics).toContain('pbx_agents{pbx="east"} 3');
    expect(log.text()).not.toContain("crmsecret");
  });

  it("sends a command to the PBX the extension is on", async () => {
    await graphql(app, 'mutation { setDnd(extension: "2001", on: true) { accepted } }');
    const dnd = (sim: Simulator, ext: string) => sim.agentLayers().find((layers) => layers.extension === ext)?.dnd;
    expect(dnd(west, "2001")).toBe(true);
    expect(east.agentLayers().some((layers) => layers.dnd)).toBe(false);
    await until(app, "2001 on DND", (s) => s.agents.find((a) => a.extension === "2001")?.available === false);
    await graphql(app, 'mutation { setDnd(extension: "2001", on: false) { accepted } }');
    await until(app, "2001 back from DND", (s) => s.agents.find((a) => a.extension === "2001")?.available === true);
  });

  it("one PBX down: only its agents are stale, the other's stay fresh; back: resynced and fresh", async () => {
    expect(events[0]!.agents!.map((a) => [a.extension, a.pbx])).toEqual([
      ["1000", "east"],
      ["1001", "east"],
      ["1002", "east"],
      ["2000", "west"],
      ["2001", "west"],
      ["2002", "west"],
    ]);
    const from = events.length;
    const back = west.restart({ downMs: 2_000 });
    const down = await until(app, "west's agents stale", (s) => byPbx(s, "west").every((a) => a.stale));
    expect(byPbx(down, "west").map((a) => [a.extension, a.stale, a.available])).toEqual([
      ["2000", true, false],
      ["2001", true, false],
      ["2002", true, false],
    ]);
    expect(byPbx(down, "east").map((a) => [a.extension, a.stale, a.available])).toEqual([
      ["1000", false, true],
      ["1001", false, true],
      ["1002", false, true],
    ]);
    expect(down.amiStatus.synced).toBe(false);
    expect(down.amiStatus.pbxs.map((p) => [p.name, p.synced])).toEqual([
      ["east", true],
      ["west", false],
    ]);
    // Still ready: east's agents are served fresh; /readyz names the PBX that is down.
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    const checks = ((await ready.json()) as { checks: Record<string, { ok: boolean; detail?: string }> }).checks;
    expect(checks["ami:east"]).toEqual({ ok: true });
    expect(checks["ami:west"]!.ok).toBe(false);
    expect(checks.ami!.detail).toMatch(/^west: /);
    // While west is down, east's agents still move.
    await east.dnd("1002", true);
    await until(app, "1002 on DND while west is down", (s) => s.agents.find((a) => a.extension === "1002")?.available === false);
    await east.dnd("1002", false);

    await back;
    const fresh = await until(app, "west resynced", (s) => s.amiStatus.synced && s.agents.length === 6 && s.agents.every((a) => !a.stale && a.available));
    expect(fresh.amiStatus.pbxs.map((p) => [p.name, p.synced, p.agents])).toEqual([
      ["east", true, 3],
      ["west", true, 3],
    ]);
    // The subscriber saw it the same way: one gap-free stream, only west's agents went stale, and back.
    await waitFor(() => events.slice(from).filter((e) => e.agent?.pbx === "west" && !e.agent.stale).length >= 3, { timeoutMs: 5_000, message: "west's fresh deltas" });
    const deltas = events.slice(from);
    expect(deltas.every((e, i) => e.__typename === "AgentStatusChanged" && e.seq === events[from - 1]!.seq + i + 1)).toBe(true);
    expect(new Set(deltas.filter((e) => e.agent!.stale).map((e) => e.agent!.pbx))).toEqual(new Set(["west"]));
    expect(new Set(deltas.filter((e) => e.agent!.stale).map((e) => e.agent!.extension))).toEqual(new Set(["2000", "2001", "2002"]));
  });
});

describe("two PBXs reporting the same extensions (PostgreSQL)", () => {
  let a: Simulator;
  let b: Simulator;
  let app: App;
  let database: Awaited<ReturnType<typeof freshPostgres>>;
  const log = new MemoryLog();

  beforeAll(async () => {
    database = await freshPostgres();
    a = await startSimulator({ ...simOptions, agents: 2, firstExtension: 1000 });
    b = await startSimulator({ ...simOptions, agents: 3, firstExtension: 1000 });
    app = await startFor({ a, b }, log, database.env);
  });
  afterAll(async () => {
    await app?.stop();
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it("serves each extension from the PBX that reported it first and reports the collision", async () => {
    const state = await until(app, "both synced", (s) => s.amiStatus.synced && s.agents.length === 3 && s.amiStatus.pbxs.some((p) => p.collisions.length > 0));
    const [pa, pb] = state.amiStatus.pbxs as [PbxRow, PbxRow];
    // Whichever logged in first owns 1000 and 1001; 1002 only b has.
    const owner = pa.collisions.length > 0 ? "b" : "a";
    const refused = owner === "a" ? pb : pa;
    expect(refused.collisions).toEqual([
      { extension: "1000", owner },
      { extension: "1001", owner },
    ]);
    expect((owner === "a" ? pa : pb).collisions).toEqual([]);
    expect(state.agents.map((agent) => [agent.extension, agent.pbx])).toEqual([
      ["1000", owner],
      ["1001", owner],
      ["1002", "b"],
    ]);
    expect(log.text()).toMatch(/extension reported by two PBXs/);
  });
});

describe("a restart while one PBX is down (PostgreSQL)", () => {
  let database: Awaited<ReturnType<typeof freshPostgres>>;
  const apps: App[] = [];
  const sims: Simulator[] = [];

  beforeAll(async () => {
    database = await freshPostgres();
  });
  afterAll(async () => {
    for (const app of apps) await app.stop().catch(() => undefined);
    for (const sim of sims) await sim.close().catch(() => undefined);
    await database?.drop();
  });

  it("serves the down PBX's stored agents, stale and on their own PBX, and the other's fresh", async () => {
    const east = await startSimulator({ ...simOptions, agents: 2, firstExtension: 1000 });
    let west = await startSimulator({ ...simOptions, agents: 2, firstExtension: 2000 });
    sims.push(east, west);
    const log = new MemoryLog();
    const first = await startFor({ east, west }, log, database.env);
    apps.push(first);
    await until(first, "both synced", (s) => s.amiStatus.synced && s.agents.length === 4 && s.agents.every((a) => a.available));
    await sleep(200); // WRITE_FLUSH_MS is 20: the states are stored
    await first.stop();

    const westAddress = { host: west.host, port: west.port };
    await west.close();
    const second = await startFor({ east, west: westAddress }, log, database.env);
    apps.push(second);
    const restarted = await until(second, "east synced, west down", (s) => s.amiStatus.pbxs[0]!.synced && s.agents.length === 4);
    expect(restarted.agents.map((a) => [a.extension, a.pbx, a.stale])).toEqual([
      ["1000", "east", false],
      ["1001", "east", false],
      ["2000", "west", true],
      ["2001", "west", true],
    ]);
    expect(restarted.amiStatus.pbxs.map((p) => [p.name, p.connected, p.synced])).toEqual([
      ["east", true, true],
      ["west", false, false],
    ]);

    west = await startSimulator({ ...simOptions, agents: 2, firstExtension: 2000, port: westAddress.port });
    sims.push(west);
    await until(second, "west back and resynced", (s) => s.amiStatus.synced && s.agents.length === 4 && s.agents.every((a) => !a.stale && a.available));
  });
});

describe("one PBX of AMI_PBXS, two instances (REDIS_URL, PostgreSQL)", () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
  // Its own Redis keys: other tests (and engineers) share the machine's Redis.
  const keyPrefix = `test-pbxs-${randomUUID().slice(0, 8)}`;
  let database: Awaited<ReturnType<typeof freshPostgres>>;
  let sim: Simulator;
  const apps: App[] = [];
  const log = new MemoryLog();

  beforeAll(async () => {
    database = await freshPostgres();
    sim = await startSimulator({ ...simOptions, agents: 2, firstExtension: 3000 });
    const pbxs = JSON.stringify([{ name: "solo", host: sim.host, port: sim.port, secret: "crmsecret" }]);
    const config = (instance: string) =>
      loadConfig({
        HOST: "127.0.0.1",
        PORT: "0",
        ...database.env,
        AMI_PBXS: pbxs,
        AMI_PING_INTERVAL_MS: "1000",
        AMI_RECONNECT_MAX_MS: "200",
        WRITE_FLUSH_MS: "20",
        WEB_UI: "false",
        REDIS_URL: redisUrl,
        CLUSTER_KEY_PREFIX: keyPrefix,
        CLUSTER_POLL_MS: "100",
        INSTANCE_ID: instance,
      });
    apps.push(await startApp(config("a"), log));
    apps.push(await startApp(config("b"), log));
  });
  afterAll(async () => {
    for (const app of apps) await app.stop().catch(() => undefined);
    await sim?.close();
    await database?.drop();
    const redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("every instance says which instance leads the PBX, and serves its agents with their pbx", async () => {
    const leaderOf = (state: State & { amiStatus: { pbxs: Array<PbxRow & { leader: string | null }> } }) => state.amiStatus.pbxs[0]!.leader;
    const query = "{ agents { extension pbx stale } amiStatus { synced pbxs { name synced leader } } }";
    const states = async () => Promise.all(apps.map((app) => graphql<State & { amiStatus: { pbxs: Array<PbxRow & { leader: string | null }> } }>(app, query)));
    const deadline = Date.now() + 15_000;
    let seen = await states();
    while (!seen.every((s) => s.amiStatus.synced && s.agents.length === 2 && leaderOf(s) !== null) && Date.now() < deadline) {
      await sleep(50);
      seen = await states();
    }
    const leader = leaderOf(seen[0]!);
    expect(["a", "b"]).toContain(leader);
    for (const state of seen) {
      expect(state.amiStatus.pbxs).toEqual([{ name: "solo", synced: true, leader }]);
      expect(state.agents.map((a) => [a.extension, a.pbx, a.stale])).toEqual([
        ["3000", "solo", false],
        ["3001", "solo", false],
      ]);
    }
  });
});
