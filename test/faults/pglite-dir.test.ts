// One process per PGlite directory: a second service on the same DATA_DIR is refused at once with a clear
// message (and the first keeps working); a lock left by kill -9 does not block the next start; a kill -9
// loop under load leaves the directory intact (amcheck on every index).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { amcheck } from "@electric-sql/pglite/contrib/amcheck";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/simulator/simulator.ts";
import { sleep } from "../helpers/wait-for.ts";
import { ChildService } from "./helpers/child-service.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "aa-pglite-dir-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, "data");
}

async function service(env: Record<string, string>): Promise<ChildService> {
  const svc = await ChildService.spawn(env);
  cleanups.push(() => svc.kill9());
  return svc;
}

describe("PGlite DATA_DIR", () => {
  it("a second process is refused at once with a clear message; the first keeps serving", async () => {
    const dir = await dataDir();
    const sim = await startSimulator({ agents: 20, eventsPerSecond: 20 });
    cleanups.push(() => sim.close());
    const first = await service({ DATA_DIR: dir, AMI_PORT: String(sim.port) });
    await first.waitStarted();

    const started = performance.now();
    const second = await service({ DATA_DIR: dir, AMI_PORT: String(sim.port) });
    const exit = await second.exited;
    expect(exit.code).toBe(1);
    // Refused before PGlite or anything slow is loaded (a start takes seconds; this, a fraction of one).
    expect(performance.now() - started).toBeLessThan(15_000);
    const fatal = second.lines.find((line) => line.level === "fatal");
    expect(String(fatal?.msg)).toMatch(new RegExp(`DATA_DIR .*data is in use by process ${first.child.pid}`));
    expect(second.lines.some((line) => line.msg === "service started")).toBe(false);

    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    expect((await first.signalAndWait()).code).toBe(0);
  });

  it("a lock left by kill -9 does not block the next start; kill -9 loops under load leave every index intact", async () => {
    const dir = await dataDir();
    const sim = await startSimulator({ agents: 200, eventsPerSecond: 200, seed: 3 });
    cleanups.push(() => sim.close());
    const synced = async (svc: ChildService) => {
      for (;;) {
        const status = (await (await fetch(`${svc.url}/api/ami/status`)).json()) as { synced: boolean; pendingWrites: number };
        if (status.synced) return status;
        await sleep(100);
      }
    };
    for (let round = 0; round < 4; round++) {
      const svc = await service({ DATA_DIR: dir, AMI_PORT: String(sim.port) });
      await svc.waitStarted();
      await synced(svc); // resynced: writes of every agent are under way
      await sleep(100 + round * 250); // killed at different points of the write stream
      await svc.kill9();
    }
    // The next start takes the stale lock over and serves.
    const last = await service({ DATA_DIR: dir, AMI_PORT: String(sim.port) });
    await last.waitStarted();
    await synced(last);
    expect((await last.signalAndWait()).code).toBe(0);

    const db = await PGlite.create(dir, { extensions: { amcheck } });
    try {
      await db.exec("CREATE EXTENSION IF NOT EXISTS amcheck");
      const indexes = await db.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.amname = 'btree' AND n.nspname = 'public'`,
      );
      expect(indexes.rows.length).toBeGreaterThan(3);
      for (const { name } of indexes.rows) await db.query(`SELECT bt_index_check('${name}'::regclass, true)`);
      const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ps_endpoints");
      expect(rows.rows[0]?.n).toBe(200);
    } finally {
      await db.close();
    }
  }, 300_000);
});
