// openDatabase: where the data lives, migrations at open, a persisted PGlite surviving close/reopen,
// a finite PostgreSQL connection timeout, and the migrate CLI.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DatabaseStartError, locateDatabase, openDatabase } from "../../src/store/database.ts";
import { createPrismaStatusStore } from "../../src/store/prisma-status-store.ts";
import { agent, contact } from "../helpers/agents.ts";
import { ADMIN_POSTGRES_URL, createTestPglite, createTestPostgres, silentLog, withDatabase } from "../helpers/databases.ts";

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

  it("runs with the configured shared_buffers (16 MB unless set)", async () => {
    const shown = async (pglite?: { sharedBuffersMb: number }) => {
      const db = await openDatabase({ url: "memory:", dataDir: "", migrate: false, log: silentLog(), ...(pglite ? { pglite } : {}) });
      try {
        return (await db.prisma.$queryRawUnsafe<Array<{ shared_buffers: string }>>("SHOW shared_buffers"))[0]!.shared_buffers;
      } finally {
        await db.close();
      }
    };
    expect(await shown()).toBe("16MB");
    expect(await shown({ sharedBuffersMb: 8 })).toBe("8MB");
  }, 60_000);
});

describe("PostgreSQL", () => {
  it("start-up names the host and the cause: refused, silent, missing database; retries only what may recover", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const refusedPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const silent = net.createServer(() => {}); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    const open = (url: string, extra: object = {}) =>
      openDatabase({ url, dataDir: "", migrate: true, log: silentLog(), connectionTimeoutMs: 300, ...extra }).then(
        async (db) => {
          await db.close();
          return null;
        },
        (error: unknown) => error,
      );
    try {
      const refused = await open(`postgresql://postgres@127.0.0.1:${refusedPort}/app`);
      expect(refused).toBeInstanceOf(DatabaseStartError);
      expect(refused).toMatchObject({ code: "refused", message: expect.stringContaining(`database 127.0.0.1:${refusedPort}/app: connection refused`) });

      const started = performance.now();
      const silentError = await open(`postgresql://postgres@127.0.0.1:${silentPort}/app`);
      expect(silentError).toMatchObject({ code: "silent", message: expect.stringContaining(`database 127.0.0.1:${silentPort}/app: no answer within 300 ms`) });
      expect(performance.now() - started).toBeLessThan(5_000);

      const missing = await open(withDatabase(ADMIN_POSTGRES_URL, "no_such_database_here"), { startupWaitMs: 60_000 });
      // Not retried for a minute: a missing database does not appear by waiting.
      expect(missing).toMatchObject({ code: "database-missing", message: expect.stringContaining('database "no_such_database_here" does not exist') });

      // Refused is retried, with one log line per attempt, until the wait is over.
      const log = silentLog();
      const retried = await openDatabase({ url: `postgresql://postgres@127.0.0.1:${refusedPort}/app`, dataDir: "", migrate: true, log, connectionTimeoutMs: 300, startupWaitMs: 1_000 }).catch((e: unknown) => e);
      expect(retried).toMatchObject({ code: "refused" });
      const attempts = log.entries.filter((entry) => entry.msg?.endsWith("; retrying"));
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts[0]?.obj).toMatchObject({ host: `127.0.0.1:${refusedPort}/app`, cause: "refused" });
    } finally {
      silent.close();
    }
  }, 30_000);

  it("fails a query after the connection timeout instead of hanging when the server does not answer", async () => {
    const silent = net.createServer(() => {}); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const db = await openDatabase({ url: `postgresql://postgres@127.0.0.1:${port}/none`, dataDir: "", migrate: false, log: silentLog(), connectionTimeoutMs: 300, checkAtStart: false });
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
