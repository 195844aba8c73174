// The real-Asterisk agent-layer scenarios (test/scenarios/agent-layers.ts, run against the lab by
// test/asterisk/agent-layers.test.ts) against the AMI simulator, with the same steps and assertions:
// DND, presence, queue pause and wrap-up, an agent with two extensions, the CRM's mutations and a PBX
// restart with members paused. Set up as the lab is: FreePBX hints, queues support and sales with
// wrapuptime 5 s, the AMI user's classes system,call,agent; the service as a child process with its
// own PostgreSQL database and the lab's queue settings; one service and one simulator for the file.
// (The lab suite's last case, a restart with write class system,call, is not here: it restarts the
// lab with another manager.conf, which the simulator fixes at start.)
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TestDatabase } from "../helpers/databases.ts";
import { agentLayerCases, type AgentLayersContext } from "../scenarios/agent-layers.ts";
import { startAgentLayersSuite, wholeRunAgreementCase } from "../scenarios/agent-layers-suite.ts";
import { AMI_QUEUE_STATUS_QUERY } from "../scenarios/agent-api.ts";
import { printLatencies } from "../scenarios/latency-report.ts";
import { LAB_AGENT_LAYERS, SimulatorDriver } from "../scenarios/simulator-driver.ts";

const WRAPUP_SECONDS = 5;

let pbx: SimulatorDriver;
let database: TestDatabase;
let ctx: AgentLayersContext;
const latencies = new Map<string, number>();

beforeAll(async () => {
  pbx = await SimulatorDriver.start(LAB_AGENT_LAYERS);
  ({ ctx, database } = await startAgentLayersSuite(pbx, { name: "agent-layers-parity", wrapUpSeconds: WRAPUP_SECONDS, latencies, syncTimeoutMs: 30_000 }));
}, 90_000);

afterAll(async () => {
  if (ctx) expect((await ctx.service.stop()).code, "agent-layers service exit code").toBe(0);
  await database?.drop();
  await pbx?.close();
  printLatencies(latencies);
});

describe("simulator parity: agent layers (presence, DND, queues, wrap-up, several extensions)", () => {
  test("queue data is available with read class agent", async () => {
    expect(await ctx.service.query(AMI_QUEUE_STATUS_QUERY)).toEqual({ amiStatus: { connected: true, synced: true, queueDataAvailable: true, queueDataDetail: null } });
  });

  agentLayerCases(() => ctx);

  wholeRunAgreementCase(() => ctx, "agent layers (simulator)");
});
