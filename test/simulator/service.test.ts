// The whole service (startApp: bridge, tracker, store on in-memory PGlite, HTTP) driven by the
// simulator: what GraphQL over HTTP serves follows the simulated PBX through register, call,
// silence, unregister, restart and a burst, and ends equal to the simulator's ground truth.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep } from "../helpers/wait-for.ts";

interface AgentRow {
  extension: string;
  status: string;
  stale: boolean;
  deviceState: string | null;
  contacts: Array<{ uri: string; status: string }>;
}

let sim: Simulator;
let app: App;
const log = new MemoryLog();

beforeAll(async () => {
  sim = await startSimulator({ agents: 6, registered: 3, qualifyDelayMs: 50, restartQualifyMs: 300, loginFailureDelayMs: 20 });
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: "memory:",
    AMI_HOST: sim.host,
    AMI_PORT: String(sim.port),
    AMI_USERNAME: "crm",
    AMI_SECRET: "crmsecret",
    AMI_PING_INTERVAL_MS: "1000",
    AMI_RECONNECT_MAX_MS: "200",
    WRITE_FLUSH_MS: "20",
  });
  app = await startApp(config, log);
});

afterAll(async () => {
  await app?.stop();
  await sim?.close();
});

async function graphql<T>(query: string): Promise<T> {
  const res = await fetch(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!res.ok || body.errors) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

async function agents(): Promise<Map<string, AgentRow>> {
  const data = await graphql<{ agents: AgentRow[] }>("{ agents { extension status stale deviceState contacts { uri status } } }");
  return new Map(data.agents.map((a) => [a.extension, a]));
}

/** Polls GraphQL until every listed extension has its status; returns the statuses seen on the way. */
async function until(expected: Record<string, string>, timeoutMs = 5_000): Promise<Map<string, string[]>> {
  const seen = new Map<string, string[]>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await agents();
    for (const [ext, row] of rows) {
      const history = seen.get(ext) ?? [];
      if (history.at(-1) !== row.status) history.push(row.status);
      seen.set(ext, history);
    }
    if (Object.entries(expected).every(([ext, status]) => rows.get(ext)?.status === status && !rows.get(ext)?.stale)) return seen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(expected)}; now ${JSON.stringify(Object.fromEntries([...rows].map(([e, r]) => [e, r.status])))}`);
    await sleep(10);
  }
}

/** What the service serves equals what the simulator says, extension by extension. */
async function expectEqualsGroundTruth(): Promise<void> {
  const rows = await agents();
  const contacts = new Map(sim.contacts().map((c) => [c.extension, c]));
  const words: Record<string, string> = { NOT_INUSE: "Not in use", INUSE: "In use", RINGING: "Ringing", UNAVAILABLE: "Unavailable" };
  for (const endpoint of sim.endpoints()) {
    const row = rows.get(endpoint.extension);
    const contact = contacts.get(endpoint.extension);
    expect(row?.contacts.map((c) => [c.uri, c.status]), endpoint.extension).toEqual(contact ? [[contact.uri, contact.status]] : []);
    expect(words[row?.deviceState ?? ""], endpoint.extension).toBe(endpoint.deviceState);
  }
}

describe("the service driven by the simulator", () => {
  it("serves the PBX's state after the first resync", async () => {
    await until({ "1000": "AVAILABLE", "1001": "AVAILABLE", "1002": "AVAILABLE", "1003": "OFFLINE", "1004": "OFFLINE", "1005": "OFFLINE" });
    await expectEqualsGroundTruth();
  });

  it("register → AVAILABLE; a call → RINGING and ON_CALL, then AVAILABLE again", async () => {
    await sim.register("1003");
    await until({ "1003": "AVAILABLE" });
    const call = sim.call("1000", "1003", { ringMs: 300, talkMs: 300 });
    const ringing = await until({ "1003": "RINGING", "1000": "ON_CALL" });
    const talking = await until({ "1003": "ON_CALL", "1000": "ON_CALL" });
    await call;
    const after = await until({ "1003": "AVAILABLE", "1000": "AVAILABLE" });
    expect([...(ringing.get("1003") ?? []), ...(talking.get("1003") ?? []), ...(after.get("1003") ?? [])]).toEqual(
      expect.arrayContaining(["RINGING", "ON_CALL", "AVAILABLE"]),
    );
    await expectEqualsGroundTruth();
  });

  it("a silent phone → UNREACHABLE after the qualify delay, back → AVAILABLE; unregister → OFFLINE", async () => {
    await sim.goUnreachable("1001");
    await until({ "1001": "UNREACHABLE" });
    await sim.answerAgain("1001");
    await until({ "1001": "AVAILABLE" });
    await sim.unregister("1002");
    await until({ "1002": "OFFLINE" });
    await expectEqualsGroundTruth();
  });

  it("restart: the service reconnects, resyncs, and ends equal to the PBX, nothing stale", async () => {
    const reconnectsBefore = (await graphql<{ amiStatus: { reconnects: number } }>("{ amiStatus { reconnects } }")).amiStatus.reconnects;
    await sim.restart({ downMs: 150 });
    // Kept contacts come back NonQualified (not reachable yet), then the re-qualify makes them AVAILABLE.
    await until({ "1000": "AVAILABLE", "1001": "AVAILABLE", "1003": "AVAILABLE", "1002": "OFFLINE" });
    const status = await graphql<{ amiStatus: { connected: boolean; synced: boolean; reconnects: number } }>("{ amiStatus { connected synced reconnects } }");
    expect(status.amiStatus).toMatchObject({ connected: true, synced: true });
    expect(status.amiStatus.reconnects).toBeGreaterThan(reconnectsBefore);
    await expectEqualsGroundTruth();
  });

  it("a burst of every contact at once changes nothing and is absorbed", async () => {
    await sim.reannounceAll();
    await sleep(100);
    await until({ "1000": "AVAILABLE", "1001": "AVAILABLE", "1003": "AVAILABLE" });
    await expectEqualsGroundTruth();
    expect(log.at("error")).toEqual([]);
  });
});
