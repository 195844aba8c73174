// The real-Asterisk agent-layer scenarios (test/scenarios/agent-layers.ts, run against the lab by
// test/asterisk/agent-layers.test.ts) against the AMI simulator, with the same steps and assertions:
// DND, presence, queue pause and wrap-up, an agent with two extensions, the CRM's mutations and a PBX
// restart with members paused. Set up as the lab is: FreePBX hints, queues support and sales with
// wrapuptime 5 s, the AMI user's classes system,call,agent; the service as a child process with its
// own PostgreSQL database and the lab's queue settings; one service and one simulator for the file.
// (The lab suite's last case, a restart with write class system,call, is not here: it restarts the
// lab with another manager.conf, which the simulator fixes at start.)
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestPostgres, insertUser, type TestDatabase } from "../helpers/databases.ts";
import { AGENT_LAYER_EXTENSIONS, agentLayerCases, waitForQueueAgreement, type AgentLayersContext } from "../scenarios/agent-layers.ts";
import { AMI_QUEUE_STATUS_QUERY } from "../scenarios/agent-api.ts";
import { printLatencies } from "../scenarios/latency-report.ts";
import { FAST_AMI_ENV, ServiceProcess } from "../scenarios/service-process.ts";
import { seriousLogLines } from "../scenarios/service-log.ts";
import { LAB_AGENT_LAYERS, SimulatorDriver } from "../scenarios/simulator-driver.ts";
import type { SubscriptionRecorder } from "../scenarios/subscription-recorder.ts";
import { waitForStreamAgreement } from "../scenarios/stream-agreement.ts";

const WRAPUP_SECONDS = 5;

let pbx: SimulatorDriver;
let database: TestDatabase;
let service: ServiceProcess;
let stream: SubscriptionRecorder;
let ctx: AgentLayersContext;
const latencies = new Map<string, number>();

beforeAll(async () => {
  pbx = await SimulatorDriver.start(LAB_AGENT_LAYERS);
  database = await createTestPostgres();
  service = await ServiceProcess.start({
    name: "agent-layers-parity",
    ami: pbx.ami(),
    database: { kind: "postgres", url: database.url! },
    env: {
      ...FAST_AMI_ENV,
      QUEUE_WRAPUP_SECONDS: `support=${WRAPUP_SECONDS},sales=${WRAPUP_SECONDS}`,
      QUEUE_SHARED_LASTCALL: "true",
      USERS_REFRESH_MS: "60000",
    },
  });
  await service.waitSynced(30_000);
  stream = service.subscribe();
  await stream.waitUntil((agents) => agents.size === 20, { timeoutMs: 5_000, message: "the snapshot of 20 simulated endpoints" });
  ctx = { pbx, service, stream, latencies, addUser: (name, extensions) => insertUser(database.url!, name, extensions), wrapUpSeconds: WRAPUP_SECONDS };
}, 90_000);

afterAll(async () => {
  if (service) expect((await service.stop()).code, "agent-layers service exit code").toBe(0);
  await database?.drop();
  await pbx?.close();
  printLatencies(latencies);
});

describe("simulator parity: agent layers (presence, DND, queues, wrap-up, several extensions)", () => {
  test("queue data is available with read class agent", async () => {
    expect(await service.query(AMI_QUEUE_STATUS_QUERY)).toEqual({ amiStatus: { connected: true, synced: true, queueDataAvailable: true, queueDataDetail: null } });
  });

  agentLayerCases(() => ctx);

  test("the subscriber connected since the start: no gap, duplicate or reordering; final state equals a fresh query and queue show", async () => {
    expect(stream.connectionCount, "one websocket connection for the whole run").toBe(1);
    expect(stream.snapshotCount, "one snapshot, then deltas only").toBe(1);
    expect(stream.problems()).toEqual([]);
    await waitForStreamAgreement(stream, service);
    await waitForQueueAgreement(ctx, AGENT_LAYER_EXTENSIONS);
    console.info(`agent layers (simulator): whole-run subscriber got 1 snapshot and ${stream.deltasSince(0).length} deltas`);
    expect(seriousLogLines(service)).toEqual([]);
  });
});
