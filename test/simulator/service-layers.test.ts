// The issue's "done when" played on the simulator: the whole service (startApp, in-memory PGlite,
// GraphQL over HTTP) driven by simulated DND, queue pause and a queue call with wrap-up, and the
// CRM's mutations going back to the simulator as Setvar / QueuePause and returning as its events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep } from "../helpers/wait-for.ts";

const WRAP_UP_S = 3;
let sim: Simulator;
let app: App;

beforeAll(async () => {
  sim = await startSimulator({
    agents: 6,
    queues: [
      { name: "support", extension: "2000", wrapupSeconds: WRAP_UP_S },
      { name: "sales", extension: "2001", wrapupSeconds: WRAP_UP_S },
    ],
    queueMembers: { support: ["1003", "1002", "1004"], sales: ["1002"] },
    queueRetryMs: 50,
  });
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: "memory:",
    AMI_HOST: sim.host,
    AMI_PORT: String(sim.port),
    AMI_USERNAME: "crm",
    AMI_SECRET: "crmsecret",
    AMI_RECONNECT_MAX_MS: "200",
    WRITE_FLUSH_MS: "20",
    QUEUE_WRAPUP_SECONDS: `support=${WRAP_UP_S},sales=${WRAP_UP_S}`,
    QUEUE_SHARED_LASTCALL: "true",
  });
  app = await startApp(config, new MemoryLog());
});

afterAll(async () => {
  await app?.stop();
  await sim?.close();
});

async function graphql<T>(query: string): Promise<{ data?: T; errors?: Array<{ message: string }> }> {
  const res = await fetch(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
}

async function available(queue?: string): Promise<string[]> {
  const { data } = await graphql<{ availableAgents: Array<{ extension: string }> }>(`{ availableAgents${queue ? `(queue: "${queue}")` : ""} { extension } }`);
  return (data?.availableAgents ?? []).map((a) => a.extension).sort();
}

async function reasons(ext: string, queue?: string): Promise<string[]> {
  const { data } = await graphql<{ canTransfer: { reasons: string[] } }>(`{ canTransfer(to: "${ext}"${queue ? `, queue: "${queue}"` : ""}) { reasons } }`);
  return data?.canTransfer.reasons ?? [];
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(value)}`);
    await sleep(20);
  }
}

describe("the service on the simulator's call-centre events", () => {
  it("DND on 1001, 1002 paused in support for Lunch, a queue call on 1003: each unavailable for its reason; 1003 back by itself after wrap-up", async () => {
    await until(() => available(), (list) => list.length === 6, "all six available");
    await sim.dnd("1001", true);
    await sim.queuePause("1002", "support", "Lunch");
    expect(await sim.queueCall("1005", "support", { ringMs: 50, talkMs: 50 })).toBe("1003");
    const endsAt = (sim.queues()[0]?.members.find((m) => m.extension === "1003")?.wrapUpEndsAt ?? 0) * 1000;
    expect(endsAt).toBeGreaterThan(Date.now() - 1_000);

    // 1002 is paused in support only: without a queue that is not "paused in every queue".
    const expected = ["1000", "1002", "1004", "1005"];
    expect(await until(() => available(), (list) => list.join() === expected.join(), "DND and wrap-up seen")).toEqual(expected);
    expect(await available("support")).not.toContain("1002");
    expect(await available("sales")).toContain("1002");
    expect(await reasons("1001")).toContain("DND");
    expect(await reasons("1002", "support")).toContain("PAUSED");
    expect(await reasons("1003", "support")).toContain("WRAP_UP");

    await until(() => available(), (list) => list.includes("1003"), "1003 out of wrap-up", WRAP_UP_S * 1000 + 3_000);
    expect(Date.now()).toBeGreaterThanOrEqual(endsAt);
  });

  it("mutations reach the simulator as Setvar and QueuePause, and come back as its events", async () => {
    const set = await graphql(`mutation { setPresence(extension: "1004", state: AWAY, subtype: "lunch", message: "Back at 2 pm") { accepted } }`);
    expect(set.errors).toBeUndefined();
    await until(async () => sim.agentLayers().find((a) => a.extension === "1004")?.presence, (p) => p?.state === "away" && p.message === "Back at 2 pm", "presence in the simulator");
    await until(() => reasons("1004"), (r) => r.includes("AWAY"), "AWAY in the service");

    expect((await graphql(`mutation { pauseAgent(extension: "1000", queue: "nosuch", reason: "Break") { accepted } }`)).errors?.[0]?.message ?? "").not.toBe("");
    const pause = await graphql(`mutation { pauseAgent(extension: "1003", queue: "support", reason: "Training") { accepted } }`);
    expect(pause.errors).toBeUndefined();
    expect(sim.queues()[0]?.members.find((m) => m.extension === "1003")).toMatchObject({ paused: true, reason: "Training" });
    await until(() => reasons("1003", "support"), (r) => r.includes("PAUSED"), "PAUSED in the service");

    expect((await graphql(`mutation { setDnd(extension: "1005", on: true) { accepted } }`)).errors).toBeUndefined();
    expect(sim.agentLayers().find((a) => a.extension === "1005")).toMatchObject({ dnd: true, presence: { state: "dnd" }, hintState: "Busy" });
    await until(() => reasons("1005"), (r) => r.includes("DND"), "DND in the service");
  });
});
