// openDatabase: where the data lives, migrations at open, a persisted PGlite surviving close/reopen,
// a finite PostgreSQL connection timeout, and the migrate CLI.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { locateDatabase, openDatabase } from "../../src/store/database.ts";
import { createPrismaStatusStore } from "../../src/store/prisma-status-store.ts";
import { agent, contact } from "../helpers/agents.ts";
import { createTestPglite, createTestPostgres, silentLog } from "../helpers/databases.ts";

describe("locateDatabase", () => {
  it("maps the URL to a backend", () => {
    expect(locateDatabase(undefined, "./data")).toEqual({ kind: "pglite", dataDir: "./data" });
    expect(locateDatabase("", "./data")).toEqual({ kind: "pglite", dataDir: "./data" });
    expect(locateDatabase("memory:", "./data")).toEqual({ kind: "pglite", dataDir: null });
    expect(locateDatabase("postgres://u@h/db", "./data")).toEqual({ kind: "postgres", url: "postgres://u@h/db" });
    expect(locateDatabase("postgresql://u@h/db", "./data")).toEqual({ kind: "postgres", url: "postgresql://u@h/db" });
    expect(() => locateDatabase("mysql://u@h/db", "./data")).toThrow(/unsupported database URL scheme: mysql/);
  });
});

describe("embedded PGlite in a directory", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("is migrated at first open, keeps its data across close and reopen, and has nothing to apply the second time", async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), "pglite-test-")), "data");
    dirs.push(path.dirname(dataDir));
    const state = agent("5000", [contact("5000", 1)]);

    const first = await createTestPglite({ dataDir });
    expect(first.db.kind).toBe("pglite");
    await createPrismaStatusStore(first.db.prisma).writeExtensions([{ extension: "5000", state }]);
    await first.drop();

    const log = silentLog();
    const second = await createTestPglite({ dataDir, log });
    try {
      const stored = await createPrismaStatusStore(second.db.prisma).loadByExtensions(["5000"]);
      expect(stored.get("5000")).toMatchObject({ extension: "5000", status: state.status, contacts: state.contacts });
      expect(log.entries.find((entry) => entry.msg?.startsWith("migrations"))).toMatchObject({ msg: "migrations up to date", obj: { applied: [] } });
    } finally {
      await second.drop();
    }
  }, 60_000);
});

describe("PostgreSQL", () => {
  it("fails a query after the connection timeout instead of hanging when the server does not answer", async () => {
    const silent = net.createServer(() => {}); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const db = await openDatabase({ url: `postgresql://postgres@127.0.0.1:${port}/none`, dataDir: "", migrate: false, log: silentLog(), connectionTimeoutMs: 300 });
    try {
      const started = performance.now();
      await expect(createPrismaStatusStore(db.prisma).ping()).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await db.close();
      silent.close();
    }
  }, 20_000);

  it("the migrate CLI reports status and deploys (npm run db:migrate*)", async () => {
    const database = await createTestPostgres({ migrate: false });
    try {
      const cli = (command: string) => run(["--import", "tsx", "src/store/migrate-cli.ts", command], { ...process.env, DATABASE_URL: database.url! });
      expect(await cli("status")).toMatchObject({ code: 1, stdout: expect.stringContaining('"pending"') });
      expect(await cli("deploy")).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Applied: \d{14}_init/) });
      expect(await cli("deploy")).toMatchObject({ code: 0, stdout: "No pending migrations to apply.\n" });
      expect(await cli("status")).toMatchObject({ code: 0, stdout: "Database schema is up to date!\n" });
    } finally {
      await database.drop();
    }
  }, 60_000);
});

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { env, cwd: path.resolve(import.meta.dirname, "../..") });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
