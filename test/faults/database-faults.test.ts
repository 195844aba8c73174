// The service against a real PostgreSQL cluster of its own that stalls, stops, dies, fills up, or is
// shared by two instances over a delayed link, with the AMI simulator (200 agents, 200 events/s) as
// the load. After each fault: every stored row equals the served state.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { startTcpProxy } from "../helpers/tcp-proxy.ts";
import { sleep } from "../helpers/wait-for.ts";
import { ChildService } from "./helpers/child-service.ts";
import { PgCluster, postgresBinDir } from "./helpers/pg-cluster.ts";

const exec = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function cluster(options: { password?: string } = {}): Promise<PgCluster> {
  const created = await PgCluster.create(options);
  cleanups.push(() => created.destroy());
  await created.createDatabase("app");
  return created;
}

async function loadSimulator(): Promise<Simulator> {
  const sim = await startSimulator({ agents: 200, eventsPerSecond: 200, seed: 11 });
  cleanups.push(() => sim.close());
  return sim;
}

async function service(env: Record<string, string>): Promise<ChildService> {
  const svc = await ChildService.spawn({ DB_HEALTH_INTERVAL_MS: "500", ...env });
  cleanups.push(() => svc.kill9());
  await svc.waitStarted();
  return svc;
}

async function getJson<T>(svc: ChildService, route: string, timeoutMs = 10_000): Promise<{ status: number; body: T; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${svc.url}${route}`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: (await response.json()) as T, ms: performance.now() - started };
}

interface AmiStatus {
  synced: boolean;
  pendingWrites: number;
  databaseUp: boolean;
  databaseError: string | null;
  oldestPendingWriteAgeMs: number | null;
  lastWriteError: string | null;
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (${String(last ?? "")})`);
    await sleep(100);
  }
}

const status = (svc: ChildService) => getJson<AmiStatus>(svc, "/api/ami/status").then((r) => r.body);

/**
 * Stops the load, then compares each stored row with what the service serves once nothing is pending.
 * A call still ringing or talking may end between the two reads (the write follows within the flush
 * interval), so a difference must persist across several comparisons to count: a lost write does.
 */
async function expectStoredEqualsServed(svc: ChildService, sim: Simulator, pg: PgCluster, url = pg.url("app")): Promise<void> {
  sim.setEventRate(0);
  await sleep(6_000); // most calls in progress end (the simulator's talk times are a few seconds)
  let differing: unknown[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    await until(async () => {
      const s = await status(svc);
      return s.pendingWrites === 0 && s.databaseUp;
    }, 30_000, "everything stored");
    const served = (await getJson<Array<{ extension: string; status: string }>>(svc, "/api/ami/extensions")).body;
    const rows = await pg.admin<{ id: string; status: string }>("SELECT id, status FROM ps_endpoints ORDER BY id", new URL(url).pathname.slice(1));
    expect(served).toHaveLength(200);
    expect(rows).toHaveLength(200);
    const stored = new Map(rows.map((row) => [row.id, row.status]));
    differing = served.filter((agent) => stored.get(agent.extension) !== agent.status).map((agent) => ({ ...agent, stored: stored.get(agent.extension) }));
    if (differing.length === 0) return;
    await sleep(1_000);
  }
  expect(differing, "stored rows differing from the served state (for 10 s)").toEqual([]);
}

describe.skipIf(!postgresBinDir())("database faults", () => {
  it("stalled database: queries, probes and new subscribers answer from memory within the deadline; database_up shows it; all stored after", async () => {
    const pg = await cluster();
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: pg.port });
    cleanups.push(() => proxy.close());
    const sim = await loadSimulator();
    const url = `postgresql://postgres@127.0.0.1:${proxy.port}/app`;
    const svc = await service({ DATABASE_URL: url, AMI_PORT: String(sim.port), DB_READ_TIMEOUT_MS: "300", STATUS_CACHE_TTL_MS: "200" });
    await until(async () => (await status(svc)).synced, 30_000, "synced");

    proxy.stall();
    await sleep(1_500);
    const down = await until(async () => {
      const s = await status(svc);
      return s.databaseUp === false ? s : null;
    }, 10_000, "databaseUp false");
    expect(down.databaseError).toMatch(/no answer within 300 ms/);

    for (let i = 0; i < 3; i++) {
      const extensions = await getJson<unknown[]>(svc, "/api/ami/extensions");
      expect(extensions.status).toBe(200);
      expect(extensions.body).toHaveLength(200);
      expect(extensions.ms).toBeLessThan(2_000);
      await sleep(300); // past the cache validity: each read goes to the (stalled) store again
    }
    const ready = await getJson<{ status: string; checks: { database: { ok: boolean } } }>(svc, "/readyz");
    expect(ready).toMatchObject({ status: 200, body: { status: "ready", checks: { database: { ok: false } } } });
    expect(ready.ms).toBeLessThan(1_000);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/^database_up 0$/m);
    expect(Number(/^store_oldest_pending_write_age_seconds (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);

    // A new dashboard gets its snapshot while the database is stalled.
    const started = performance.now();
    const client = createClient({ url: `ws://127.0.0.1:${svc.port}/graphql`, webSocketImpl: WebSocket });
    cleanups.push(async () => client.dispose());
    const snapshot = await new Promise<{ agents: unknown[] }>((resolve, reject) => {
      client.subscribe<{ agentStatus: { __typename: string; agents: unknown[] } }>(
        { query: "subscription { agentStatus { __typename ... on AgentsSnapshot { agents { extension status } } } }" },
        { next: ({ data }) => data?.agentStatus.__typename === "AgentsSnapshot" && resolve(data.agentStatus), error: reject, complete: () => undefined },
      );
    });
    expect(snapshot.agents.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(3_000);

    proxy.resume();
    await expectStoredEqualsServed(svc, sim, pg);
    expect((await svc.signalAndWait()).code).toBe(0);
  });

  for (const fault of ["stopped", "killed"] as const) {
    it(`${fault} under load (200 agents, 200 events/s) for 5 s: nothing lost, every stored row equals the served state`, async () => {
      const pg = await cluster();
      const sim = await loadSimulator();
      const svc = await service({ DATABASE_URL: pg.url("app"), AMI_PORT: String(sim.port) });
      await until(async () => (await status(svc)).synced, 30_000, "synced");
      await sleep(2_000);
      if (fault === "stopped") await pg.stop("fast");
      else await pg.kill9();
      await sleep(5_000);
      const during = await status(svc);
      expect(during).toMatchObject({ databaseUp: false, synced: true });
      expect(during.pendingWrites).toBeGreaterThan(0);
      expect(during.lastWriteError).toBeTruthy();
      await pg.start();
      await expectStoredEqualsServed(svc, sim, pg);
      expect((await svc.signalAndWait()).code).toBe(0);
    });
  }

  it("two instances on one database, one over a delayed link: no older state ever replaces a newer one", async () => {
    const pg = await cluster();
    const sim = await loadSimulator();
    const first = await service({ DATABASE_URL: pg.url("app"), AMI_PORT: String(sim.port) });
    // Every backwards step of updated_at would be recorded here.
    await pg.admin(
      `CREATE TABLE regressions (id text, old_at timestamptz, new_at timestamptz);
       CREATE FUNCTION note_regression() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.updated_at < OLD.updated_at THEN INSERT INTO regressions VALUES (NEW.id, OLD.updated_at, NEW.updated_at); END IF; RETURN NEW; END $$;
       CREATE TRIGGER note_regression BEFORE UPDATE ON ps_endpoints FOR EACH ROW EXECUTE FUNCTION note_regression();`,
      "app",
    );
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: pg.port }, { delayMs: 300 });
    cleanups.push(() => proxy.close());
    const second = await service({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${proxy.port}/app`, AMI_PORT: String(sim.port), DB_READ_TIMEOUT_MS: "2000" });
    await until(async () => (await status(second)).synced, 30_000, "second synced");
    await sleep(15_000);
    await expectStoredEqualsServed(first, sim, pg);
    const regressions = await pg.admin<{ id: string }>("SELECT id FROM regressions", "app");
    expect(regressions).toEqual([]);
  }, 180_000);

  it("start-up: wrong password, missing database, silent or refusing server: exit 1 with one line naming the host and the cause", async () => {
    const pg = await cluster({ password: "right-password" });
    const wrong = pg.url("app").replace("right-password", "wrong-password");
    const expectStartFailure = async (name: string, env: Record<string, string>, expected: RegExp) => {
      const started = performance.now();
      const svc = await ChildService.spawn({ AMI_PORT: "1", ...env });
      cleanups.push(() => svc.kill9());
      const exit = await svc.exited;
      expect(exit.code, name).toBe(1);
      const fatal = svc.lines.find((line) => line.level === "fatal");
      expect(String(fatal?.msg), name).toMatch(expected);
      expect(svc.text(), name).not.toContain("wrong-password");
      expect(performance.now() - started, name).toBeLessThan(30_000);
    };
    await expectStartFailure("wrong password", { DATABASE_URL: wrong }, new RegExp(`database 127\\.0\\.0\\.1:${pg.port}/app: password authentication failed for user "postgres"`));
    await expectStartFailure("missing database", { DATABASE_URL: pg.url("nope") }, new RegExp(`database 127\\.0\\.0\\.1:${pg.port}/nope: database "nope" does not exist`));
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: pg.port });
    cleanups.push(() => proxy.close());
    proxy.stall();
    await expectStartFailure("silent", { DATABASE_URL: `postgresql://postgres@127.0.0.1:${proxy.port}/app`, DB_CONNECT_TIMEOUT_MS: "500", DB_STARTUP_WAIT_MS: "2000" }, /no answer within 500 ms/);
    await pg.stop("fast");
    const refused = ChildService.spawn({ AMI_PORT: "1", DATABASE_URL: pg.url("app"), DB_STARTUP_WAIT_MS: "1500" });
    await expectStartFailure("refused", { DATABASE_URL: pg.url("app"), DB_STARTUP_WAIT_MS: "1500" }, new RegExp(`database 127\\.0\\.0\\.1:${pg.port}/app: connection refused`));
    // Each attempt in the wait had its own line.
    const retried = await refused;
    cleanups.push(() => retried.kill9());
    await retried.exited;
    expect(retried.lines.filter((line) => /connection refused.*; retrying$/.test(String(line.msg))).length).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(userInfo().uid !== 0)("full disk: writes fail and show in status and metrics, the API keeps serving, all stored once space is back", async () => {
    const mount = await mkdtemp(path.join(tmpdir(), "aa-tmpfs-"));
    await exec("mount", ["-t", "tmpfs", "-o", "size=160m,mode=0777", "tmpfs", mount]);
    cleanups.push(async () => {
      await exec("umount", ["-l", mount]).catch(() => undefined);
      await rm(mount, { recursive: true, force: true });
    });
    const pg = await PgCluster.create({ parentDir: mount });
    cleanups.push(() => pg.destroy());
    await pg.createDatabase("app");
    const sim = await loadSimulator();
    const svc = await service({ DATABASE_URL: pg.url("app"), AMI_PORT: String(sim.port) });
    await until(async () => (await status(svc)).synced, 60_000, "synced");
    // Fill what is left of the disk.
    await exec("sh", ["-c", `dd if=/dev/zero of=${mount}/filler bs=1M 2>/dev/null || true`]);
    const full = await until(async () => {
      const s = await status(svc);
      return s.databaseUp === false ? s : null;
    }, 60_000, "databaseUp false on a full disk");
    expect(`${full.databaseError} ${full.lastWriteError}`).toMatch(/space|disk|extend|terminat|refused|no answer/i);
    // PostgreSQL can still fit some batches into pages and WAL segments it already has, so a write
    // may succeed between two failed ones: the metric is polled on its own, not read once.
    await until(async () => /^database_up 0$/m.test(await (await fetch(`${svc.url}/metrics`)).text()), 60_000, "database_up 0 in /metrics");
    expect((await getJson<unknown[]>(svc, "/api/ami/extensions")).body).toHaveLength(200);
    await rm(path.join(mount, "filler"));
    await pg.start(); // in case PostgreSQL gave up (a WAL write on a full disk is a PANIC)
    await expectStoredEqualsServed(svc, sim, pg);
    expect((await svc.signalAndWait()).code).toBe(0);
  }, 240_000);
});
