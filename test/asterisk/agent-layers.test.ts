// The agent layers (issue 7) against a real Asterisk 22 (asterisk-lab): DND, presence, queue pause
// and wrap-up, an agent with two extensions, the CRM's mutations and a PBX restart with members
// paused. The service runs as a child process with its own PostgreSQL database and the lab's queue
// settings (wrapuptime 5 s, shared_lastcall); it is checked only through GraphQL over HTTP, a
// graphql-ws subscriber connected from the first case to the last, and its log, against Asterisk's
// CLI (`core show hint`, `queue show`). Extensions 1010-1018, which the other suite does not use.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestPostgres, insertUser, type TestDatabase } from "../helpers/databases.ts";
import { AGENT_LAYER_EXTENSIONS, agentLayerCases, agentOf, waitForQueueAgreement, type AgentLayersContext } from "../scenarios/agent-layers.ts";
import { AMI_QUEUE_STATUS_QUERY, PAUSE_AGENT_MUTATION } from "../scenarios/agent-api.ts";
import { AsteriskDriver, LAB_ENV } from "../scenarios/asterisk-driver.ts";
import { printLatencies } from "../scenarios/latency-report.ts";
import { FAST_AMI_ENV, ServiceProcess } from "../scenarios/service-process.ts";
import { seriousLogLines } from "../scenarios/service-log.ts";
import type { SubscriptionRecorder } from "../scenarios/subscription-recorder.ts";
import { waitForStreamAgreement } from "../scenarios/stream-agreement.ts";

const WRAPUP_SECONDS = Number(LAB_ENV.LAB_WRAPUP_SECS);

let pbx: AsteriskDriver;
let database: TestDatabase;
let service: ServiceProcess;
let stream: SubscriptionRecorder;
let ctx: AgentLayersContext;
const latencies = new Map<string, number>();

beforeAll(async () => {
  pbx = await AsteriskDriver.start({ env: LAB_ENV });
  database = await createTestPostgres();
  service = await ServiceProcess.start({
    name: "agent-layers",
    ami: pbx.ami(),
    database: { kind: "postgres", url: database.url! },
    env: {
      ...FAST_AMI_ENV,
      QUEUE_WRAPUP_SECONDS: `support=${WRAPUP_SECONDS},sales=${WRAPUP_SECONDS}`,
      QUEUE_SHARED_LASTCALL: "true",
      USERS_REFRESH_MS: "60000",
    },
  });
  await service.waitSynced();
  stream = service.subscribe();
  await stream.waitUntil((agents) => agents.size === 20, { timeoutMs: 5_000, message: "the snapshot of the lab's 20 endpoints" });
  ctx = { pbx, service, stream, latencies, addUser: (name, extensions) => insertUser(database.url!, name, extensions), wrapUpSeconds: WRAPUP_SECONDS };
});

afterAll(async () => {
  if (service) expect((await service.stop()).code, "agent-layers service exit code").toBe(0);
  await database?.drop();
  await pbx?.close();
  printLatencies(latencies);
});

describe("real Asterisk 22: agent layers (presence, DND, queues, wrap-up, several extensions)", () => {
  test("queue data is available with read class agent", async () => {
    expect(await service.query(AMI_QUEUE_STATUS_QUERY)).toEqual({ amiStatus: { connected: true, synced: true, queueDataAvailable: true, queueDataDetail: null } });
  });

  agentLayerCases(() => ctx);

  // (The phone-only oracle of the other suite does not apply here: DND, pauses and the merged user
  // make agents unavailable or absent on purpose; memberships are compared with queue show instead.)
  test("the subscriber connected since the start: no gap, duplicate or reordering; final state equals a fresh query and queue show", async () => {
    expect(stream.connectionCount, "one websocket connection for the whole run").toBe(1);
    expect(stream.snapshotCount, "one snapshot, then deltas only").toBe(1);
    expect(stream.problems()).toEqual([]);
    await waitForStreamAgreement(stream, service);
    await waitForQueueAgreement(ctx, AGENT_LAYER_EXTENSIONS);
    console.info(`agent layers: whole-run subscriber got 1 snapshot and ${stream.deltasSince(0).length} deltas`);
    expect(seriousLogLines(service)).toEqual([]);
  });

  test("write class without `agent` → pauseAgent is AMI_REFUSED (Permission denied), the service keeps running", async () => {
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
