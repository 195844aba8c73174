// The real-Asterisk scenarios that need no SIP (test/scenarios/parity-cases.ts), run against the AMI
// simulator with the same steps and assertions: the service as a child process on embedded PGlite,
// a graphql-ws subscriber for the whole run, the simulator in this process.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { printLatencies } from "../scenarios/latency-report.ts";
import { parityCases } from "../scenarios/parity-cases.ts";
import type { ScenarioContext } from "../scenarios/scenario-context.ts";
import { FAST_AMI_ENV, ServiceProcess } from "../scenarios/service-process.ts";
import { SimulatorDriver } from "../scenarios/simulator-driver.ts";
import { seriousLogLines } from "../scenarios/service-log.ts";
import { wholeRunStreamIsSound } from "../scenarios/whole-run-stream.ts";

let pbx: SimulatorDriver;
let service: ServiceProcess;
let dataDir: string;
let ctx: ScenarioContext;
const latencies = new Map<string, number>();

beforeAll(async () => {
  pbx = await SimulatorDriver.start();
  dataDir = await mkdtemp(join(tmpdir(), "aa-parity-"));
  service = await ServiceProcess.start({ name: "parity-pglite", ami: pbx.ami(), database: { kind: "pglite", dataDir }, env: FAST_AMI_ENV });
  await service.waitSynced(30_000);
  const stream = service.subscribe();
  await stream.waitUntil((agents) => agents.size === 20, { timeoutMs: 5_000, message: "the snapshot of 20 simulated endpoints" });
  ctx = { pbx, service, stream, latencies };
}, 90_000);

afterAll(async () => {
  if (service) expect((await service.stop()).code, "service exit code").toBe(0);
  await pbx?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  printLatencies(latencies);
});

describe("simulator parity", () => {
  parityCases(() => ctx);

  test("the subscriber connected since the start: no gap, duplicate or reordering; final state equals a fresh query and the PBX", async () => {
    await wholeRunStreamIsSound(ctx);
    expect(seriousLogLines(service)).toEqual([]);
  });
});
