// Two PBXs in one deployment (AMI_PBXS): the real Asterisk 22 of asterisk-lab as `lab` and the AMI
// simulator as `sim` (extensions 3000-3002, which the lab does not have). Agents of both are served with
// their PBX; the lab stopped → only its agents stale, the simulator's stay fresh and keep changing; the lab
// back → its agents fresh again. The service runs in this process (startApp) on in-memory PGlite.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { AsteriskDriver, LAB_ENV } from "../scenarios/asterisk-driver.ts";
import { eventually } from "../scenarios/eventually.ts";

interface AgentRow {
  extension: string;
  pbx: string;
  status: string;
  stale: boolean;
}

let pbx: AsteriskDriver;
let sim: Simulator;
let app: App;

async function agents(): Promise<AgentRow[]> {
  const response = await fetch(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ agents { extension pbx status stale } }" }) });
  const body = (await response.json()) as { data?: { agents: AgentRow[] }; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data.agents;
}

const on = (rows: AgentRow[], name: string) => rows.filter((row) => row.pbx === name);

beforeAll(async () => {
  pbx = await AsteriskDriver.start({ env: LAB_ENV });
  sim = await startSimulator({ agents: 3, firstExtension: 3000, eventsPerSecond: 0, qualifyDelayMs: 50 });
  const lab = pbx.ami();
  const pbxs = [
    { name: "lab", host: lab.host, port: lab.port, username: lab.username, secret: lab.secret },
    { name: "sim", host: sim.host, port: sim.port, username: "crm", secret: "crmsecret" },
  ];
  app = await startApp(
    loadConfig({ HOST: "127.0.0.1", PORT: "0", DATABASE_URL: "memory:", AMI_PBXS: JSON.stringify(pbxs), AMI_PING_INTERVAL_MS: "1000", AMI_RECONNECT_MAX_MS: "500", WRITE_FLUSH_MS: "20", WEB_UI: "false" }),
    new MemoryLog(),
  );
  await eventually(async () => app.services.amiStatus().synced, { timeoutMs: 30_000, message: "both PBXs synced" });
});

afterAll(async () => {
  await app?.stop();
  await sim?.close();
  await pbx?.close();
});

describe("real Asterisk 22 and the simulator in one deployment (AMI_PBXS)", () => {
  test("agents of both PBXs, each with its pbx; a lab phone registering shows on the lab's agent", async () => {
    await pbx.register("1017");
    const rows = await eventually(async () => {
      const all = await agents();
      return all.find((row) => row.extension === "1017")?.status === "AVAILABLE" ? all : null;
    }, { timeoutMs: 10_000, message: "1017 AVAILABLE on the lab" });
    expect(on(rows, "lab").map((row) => row.extension)).toContain("1017");
    expect(on(rows, "lab").every((row) => Number(row.extension) >= 1000 && Number(row.extension) < 1100)).toBe(true);
    expect(on(rows, "sim").map((row) => [row.extension, row.status])).toEqual([["3000", "AVAILABLE"], ["3001", "AVAILABLE"], ["3002", "AVAILABLE"]]);
    expect(rows.some((row) => row.stale)).toBe(false);
  });

  test("the lab stopped: only its agents stale; the simulator's fresh and still changing; the lab back: fresh again", async () => {
    await pbx.kill();
    const down = await eventually(async () => {
      const all = await agents();
      return on(all, "lab").length > 0 && on(all, "lab").every((row) => row.stale) ? all : null;
    }, { timeoutMs: 15_000, message: "the lab's agents stale" });
    expect(on(down, "sim").every((row) => !row.stale)).toBe(true);
    const pbxs = app.services.amiStatus().pbxs.map((p) => [p.name, p.connected]);
    expect(pbxs).toEqual([["lab", false], ["sim", true]]);
    await sim.unregister("3001");
    await eventually(async () => on(await agents(), "sim").find((row) => row.extension === "3001")?.status === "OFFLINE", { timeoutMs: 5_000, message: "3001 OFFLINE while the lab is down" });

    await pbx.startPbx();
    await eventually(async () => {
      const all = await agents();
      return on(all, "lab").length > 0 && all.every((row) => !row.stale);
    }, { timeoutMs: 30_000, message: "the lab's agents fresh after its resync" });
  });
});
