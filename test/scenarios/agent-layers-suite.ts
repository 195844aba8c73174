// What the lab's and the simulator's agent-layer suites share: the service started as the lab's queue
// settings want it (one PostgreSQL database, a subscriber connected from the first case to the last),
// and the closing case that compares that subscriber's whole run with a fresh query and `queue show`.
import { expect, test } from "vitest";
import { createTestPostgres, insertUser, type TestDatabase } from "../helpers/databases.ts";
import { AGENT_LAYER_EXTENSIONS, waitForQueueAgreement, type AgentLayersContext } from "./agent-layers.ts";
import { FAST_AMI_ENV, ServiceProcess } from "./service-process.ts";
import { seriousLogLines } from "./service-log.ts";
import { waitForStreamAgreement } from "./stream-agreement.ts";

export interface AgentLayersSuite {
  ctx: AgentLayersContext;
  database: TestDatabase;
}

/** The service on `pbx`, synced, with its whole-run subscriber holding the snapshot of the 20 endpoints. */
export async function startAgentLayersSuite(
  pbx: AgentLayersContext["pbx"],
  options: { name: string; wrapUpSeconds: number; latencies: Map<string, number>; syncTimeoutMs?: number },
): Promise<AgentLayersSuite> {
  const database = await createTestPostgres();
  const service = await ServiceProcess.start({
    name: options.name,
    ami: pbx.ami(),
    database: { kind: "postgres", url: database.url! },
    env: {
      ...FAST_AMI_ENV,
      QUEUE_WRAPUP_SECONDS: `support=${options.wrapUpSeconds},sales=${options.wrapUpSeconds}`,
      QUEUE_SHARED_LASTCALL: "true",
      USERS_REFRESH_MS: "60000",
    },
  });
  await service.waitSynced(options.syncTimeoutMs);
  const stream = service.subscribe();
  await stream.waitUntil((agents) => agents.size === 20, { timeoutMs: 5_000, message: `the snapshot of ${pbx.name}'s 20 endpoints` });
  const ctx: AgentLayersContext = {
    pbx,
    service,
    stream,
    latencies: options.latencies,
    addUser: (name, extensions) => insertUser(database.url!, name, extensions),
    wrapUpSeconds: options.wrapUpSeconds,
  };
  return { ctx, database };
}

/** The last case: one connection, one snapshot, no gap, duplicate or reordering; final state as a fresh query and queue show. */
export function wholeRunAgreementCase(context: () => AgentLayersContext, label: string): void {
  // (The phone-only oracle of the other suite does not apply here: DND, pauses and the merged user
  // make agents unavailable or absent on purpose; memberships are compared with queue show instead.)
  test("the subscriber connected since the start: no gap, duplicate or reordering; final state equals a fresh query and queue show", async () => {
    const { stream, service } = context();
    expect(stream.connectionCount, "one websocket connection for the whole run").toBe(1);
    expect(stream.snapshotCount, "one snapshot, then deltas only").toBe(1);
    expect(stream.problems()).toEqual([]);
    await waitForStreamAgreement(stream, service);
    await waitForQueueAgreement(context(), AGENT_LAYER_EXTENSIONS);
    console.info(`${label}: whole-run subscriber got 1 snapshot and ${stream.deltasSince(0).length} deltas`);
    expect(seriousLogLines(service)).toEqual([]);
  });
}
