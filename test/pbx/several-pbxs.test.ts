// One service (startApp on in-memory PGlite) watching two PBXs (two AMI simulators, AMI_PBXS): agents of
// both served with their PBX; one PBX down marks only its own agents stale, and its resync after it comes
// back makes them fresh; commands go to the extension's own PBX; an extension two PBXs report is served
// from one and reported as a collision.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep } from "../helpers/wait-for.ts";

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

async function startFor(sims: Record<string, Simulator>, log: MemoryLog): Promise<App> {
  const pbxs = Object.entries(sims).map(([name, sim]) => ({ name, host: sim.host, port: sim.port, username: "crm", secret: "crmsecret" }));
  return startApp(
    loadConfig({
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: "memory:",
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

const byPbx = (state: State, pbx: string) => state.agents.filter((agent) => agent.pbx === pbx);

describe("two PBXs, distinct extensions", () => {
  let east: Simulator;
  let west: Simulator;
  let app: App;
  const log = new MemoryLog();

  beforeAll(async () => {
    east = await startSimulator({ ...simOptions, agents: 3, firstExtension: 1000 });
    west = await startSimulator({ ...simOptions, agents: 3, firstExtension: 2000 });
    app = await startFor({ east, west }, log);
  });
  afterAll(async () => {
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
  });
});

describe("two PBXs reporting the same extensions", () => {
  let a: Simulator;
  let b: Simulator;
  let app: App;
  const log = new MemoryLog();

  beforeAll(async () => {
    a = await startSimulator({ ...simOptions, agents: 2, firstExtension: 1000 });
    b = await startSimulator({ ...simOptions, agents: 3, firstExtension: 1000 });
    app = await startFor({ a, b }, log);
  });
  afterAll(async () => {
    await app?.stop();
    await a?.close();
    await b?.close();
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
