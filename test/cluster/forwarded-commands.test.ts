// The CRM's commands on a follower: two instances (one PostgreSQL, a throw-away Redis), one AMI simulator.
// setDnd sent to the follower is sent by the leader's AMI session; the PBX says DND is on, and the
// follower serves it; an action the PBX refuses comes back as AMI_REFUSED.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { createTestPostgres, type TestDatabase } from "../helpers/databases.ts";
import { eventually } from "../scenarios/eventually.ts";
import { Instance, waitForLeader } from "../faults/helpers/cluster-harness.ts";
import { RedisServer } from "../faults/helpers/redis-server.ts";

let sim: Simulator;
let db: TestDatabase;
let redis: RedisServer;
const instances: Instance[] = [];

beforeAll(async () => {
  sim = await startSimulator({ agents: 4, eventsPerSecond: 0, queues: [{ name: "support", wrapupSeconds: 0 }], queueMembers: { support: ["1000"] } });
  db = await createTestPostgres();
  redis = await RedisServer.start();
  for (const name of ["a", "b"]) {
    instances.push(
      await Instance.start(
        name,
        { DATABASE_URL: db.url!, AMI_HOST: sim.host, AMI_PORT: String(sim.port), AMI_RECONNECT_MAX_MS: "300", WEB_UI: "false", LOG_LEVEL: "info", CLUSTER_LEASE_MS: "2000", CLUSTER_POLL_MS: "200", CLUSTER_KEY_PREFIX: "test-forward" },
        { host: "127.0.0.1", port: redis.port },
      ),
    );
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await redis?.kill();
  await db?.drop();
  await sim?.close();
});

async function graphql(instance: Instance, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${instance.svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

describe("commands on a follower", () => {
  it("setDnd on the follower goes through the leader's AMI session: the PBX and the follower say DND", async () => {
    const { leader } = await waitForLeader(instances, 30_000);
    const follower = instances.find((i) => i !== leader)!;
    await eventually(async () => (await graphql(follower, `{ agent(extension: "1001") { extension } }`)).data?.agent, { timeoutMs: 10_000, message: "1001 served by the follower" });

    const answer = await graphql(follower, `mutation { setDnd(extension: "1001", on: true) { accepted } }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ setDnd: { accepted: true } });
    expect(sim.agentLayers().find((a) => a.extension === "1001")?.dnd).toBe(true);
    await eventually(async () => ((await graphql(follower, `{ agent(extension: "1001") { dnd } }`)).data?.agent as { dnd: boolean } | null)?.dnd === true, {
      timeoutMs: 5_000,
      message: "the follower serves 1001 on DND",
    });
    const metrics = await (await fetch(`${follower.svc.url}/metrics`)).text();
    // FreePBX's DND is two actions: the toggle device and the presence.
    expect(metrics).toMatch(/^cluster_forwarded_commands_total\{pbx="default"\} 2$/m);
  });

  it("a pause Asterisk refuses (not a member) is AMI_REFUSED with its message, through the leader", async () => {
    const { leader } = await waitForLeader(instances, 30_000);
    const follower = instances.find((i) => i !== leader)!;
    const answer = await graphql(follower, `mutation { pauseAgent(extension: "1003", queue: "support", reason: "Lunch") { accepted } }`);
    expect(answer.errors?.[0]?.extensions?.code, JSON.stringify(answer.errors)).toBe("AMI_REFUSED");
  });
});
