// The agent layers (issue 7) against a real Asterisk 22 (asterisk-lab): DND, presence, queue pause
// and wrap-up, an agent with two extensions, the CRM's mutations and a PBX restart with members
// paused. The service runs as a child process with its own PostgreSQL database and the lab's queue
// settings (wrapuptime 5 s, shared_lastcall); it is checked only through GraphQL over HTTP, a
// graphql-ws subscriber connected from the first case to the last, and its log, against Asterisk's
// CLI (`core show hint`, `queue show`). Extensions 1010-1018, which the other suite does not use.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TestDatabase } from "../helpers/databases.ts";
import { agentLayerCases, agentOf, type AgentLayersContext } from "../scenarios/agent-layers.ts";
import { startAgentLayersSuite, wholeRunAgreementCase } from "../scenarios/agent-layers-suite.ts";
import { AMI_QUEUE_STATUS_QUERY, PAUSE_AGENT_MUTATION } from "../scenarios/agent-api.ts";
import { AsteriskDriver, LAB_ENV } from "../scenarios/asterisk-driver.ts";
import { printLatencies } from "../scenarios/latency-report.ts";
import { seriousLogLines } from "../scenarios/service-log.ts";

const WRAPUP_SECONDS = Number(LAB_ENV.LAB_WRAPUP_SECS);

let pbx: AsteriskDriver;
let database: TestDatabase;
let ctx: AgentLayersContext;
const latencies = new Map<string, number>();

beforeAll(async () => {
  pbx = await AsteriskDriver.start({ env: LAB_ENV });
  ({ ctx, database } = await startAgentLayersSuite(pbx, { name: "agent-layers", wrapUpSeconds: WRAPUP_SECONDS, latencies }));
});

afterAll(async () => {
  if (ctx) expect((await ctx.service.stop()).code, "agent-layers service exit code").toBe(0);
  await database?.drop();
  await pbx?.close();
  printLatencies(latencies);
});

describe("real Asterisk 22: agent layers (presence, DND, queues, wrap-up, several extensions)", () => {
  test("queue data is available with read class agent", async () => {
    expect(await ctx.service.query(AMI_QUEUE_STATUS_QUERY)).toEqual({ amiStatus: { connected: true, synced: true, queueDataAvailable: true, queueDataDetail: null } });
  });

  agentLayerCases(() => ctx);

  wholeRunAgreementCase(() => ctx, "agent layers");

  test("write class without `agent` → pauseAgent is AMI_REFUSED (Permission denied), the service keeps running", async () => {
    const { service } = ctx;
    await pbx.kill();
    await pbx.startPbx({ LAB_AMI_WRITE: "system,call" });
    await service.waitSynced(20_000);
    await pbx.queueAdd("1012", "support");
    await service.waitFor(async () => (await agentOf(ctx, "1012")).queues.some((q) => q.queue === "support"), 5_000, "1012 a member of support after the lab restart");
    const refused = await service.graphql<unknown>(PAUSE_AGENT_MUTATION, { extension: "1012", queue: "support", reason: "Lunch" });
    expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(refused.errors)).toBe("AMI_REFUSED");
    expect(refused.errors?.[0]?.message).toMatch(/Permission denied/i);
    expect((await pbx.queueMembers("support")).find((m) => m.extension === "1012")).toMatchObject({ paused: false });
    expect(service.alive).toBe(true);
    expect(seriousLogLines(service)).toEqual([]);
  });
});
