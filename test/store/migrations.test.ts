// Migrations through the wasm schema engine, on real PostgreSQL and on PGlite: applied from scratch and
// recorded as Prisma records them, idempotent, in sync with schema.prisma, and failing migrations are
// recorded as failed with nothing half-applied.
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, openDatabase, type Database, type PrismaClient } from "../../src/store/database.ts";
import { create, deploy, status } from "../../src/store/schema-engine.ts";
import { createTestPglite, createTestPostgres, silentLog, type TestDatabase } from "../helpers/databases.ts";

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

const backends = [
  ["PostgreSQL", () => createTestPostgres({ migrate: false })],
  ["PGlite", () => createTestPglite({ migrate: false })],
] as const;

const options = { schemaPath: DEFAULT_SCHEMA_PATH, migrationsDir: DEFAULT_MIGRATIONS_DIR, log: silentLog() };

describe.each(backends)("migrations on %s", (_name, createEmptyDatabase) => {
  const databases: TestDatabase[] = [];
  const temporary: string[] = [];
  const fresh = async () => {
    const database = await createEmptyDatabase();
    databases.push(database);
    return database;
  };
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "migrations-test-"));
    temporary.push(dir);
    return dir;
  };

  afterEach(async () => {
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });
  afterAll(async () => {
    await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("apply from scratch, are recorded like Prisma does, and a second deploy is a no-op", async () => {
    const database = await fresh();
    const target = database.db.migrationTarget;
    const names = await migrationNames();
    expect(await status(target, options)).toMatchObject({ upToDate: false, pending: names });

    expect(await deploy(target, options)).toEqual(names);
    const rows = await migrationRows(database.db.prisma);
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows) {
      const sql = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row).toMatchObject({ rolled_back_at: null, logs: null, applied_steps_count: 1 });
      expect(row.finished_at).toBeInstanceOf(Date);
    }

    expect(await deploy(target, options)).toEqual([]);
    expect(await migrationRows(database.db.prisma)).toHaveLength(names.length);
    expect(await status(target, options)).toEqual({ upToDate: true, pending: [], failed: [], edited: [], unknown: [] });
    // The client works against the migrated tables.
    expect(await database.db.prisma.psEndpoint.count()).toBe(0);
  }, 60_000);

  it("match schema.prisma: a new migration would be empty", async () => {
    const database = await fresh();
    const target = database.db.migrationTarget;
    await deploy(target, options);
    expect(await create(target, options)).toEqual({ directory: null, sql: null });
  }, 60_000);

  it("record a failing migration as failed, leave nothing half-applied, and refuse further deploys", async () => {
    const database = await fresh();
    const target = database.db.migrationTarget;
    const migrationsDir = await tempDir();
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    // Semicolons inside $$ and a string must not split the script.
    await addMigration(migrationsDir, "29990101000000_function", [
      "CREATE FUNCTION answer() RETURNS int AS $$ BEGIN RETURN 42; END; $$ LANGUAGE plpgsql;",
      "COMMENT ON TABLE users IS 'a;b;c';",
    ]);
    await addMigration(migrationsDir, "29990102000000_broken", ["CREATE TABLE half_applied (id int);", "SELECT 1/0;"]);
    const withBroken = { ...options, migrationsDir };

    await expect(deploy(target, withBroken)).rejects.toThrow(/division by zero/);
    const rows = await migrationRows(database.db.prisma);
    expect(rows.at(-2)).toMatchObject({ migration_name: "29990101000000_function", logs: null });
    expect(rows.at(-1)).toMatchObject({ migration_name: "29990102000000_broken", finished_at: null });
    expect(rows.at(-1)?.logs).toMatch(/division by zero/);
    const [answer] = await database.db.prisma.$queryRaw<Array<{ answer: number }>>`SELECT answer()`;
    expect(answer?.answer).toBe(42);
    const [halfApplied] = await database.db.prisma.$queryRaw<Array<{ exists: boolean }>>`SELECT to_regclass('half_applied') IS NOT NULL AS exists`;
    expect(halfApplied?.exists).toBe(false);

    expect(await status(target, withBroken)).toMatchObject({ upToDate: false, failed: ["29990102000000_broken"] });
    await expect(deploy(target, withBroken)).rejects.toThrow(/P3009|failed migrations/);
  }, 60_000);
});

// The in-sync check above must notice a schema change without a migration. The engine logic does not depend on
// the backend, and on PGlite every create() boots a throwaway shadow PGlite (~5 s), so PostgreSQL only.
describe("migrations vs a changed schema.prisma (PostgreSQL)", () => {
  const databases: TestDatabase[] = [];
  const temporary: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "migrations-test-"));
    temporary.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
    await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("notice a field added to schema.prisma without a migration, and create one for it", async () => {
    const database = await createTestPostgres({ migrate: false });
    databases.push(database);
    const target = database.db.migrationTarget;
    const changedSchema = path.join(await tempDir(), "schema.prisma");
    const schema = await readFile(DEFAULT_SCHEMA_PATH, "utf8");
    await writeFile(changedSchema, schema.replace(/model User \{\n/, "model User {\n  team String?\n"));
    const drift = await create(target, { ...options, schemaPath: changedSchema });
    expect(drift.directory).toBeNull(); // no name given: nothing written
    expect(drift.sql).toMatch(/ALTER TABLE "users" ADD COLUMN\s+"team" TEXT/);

    // With a name, the migration is written the way `prisma migrate dev --create-only` writes it, and then applies.
    const migrationsDir = await tempDir();
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    const changed = { ...options, schemaPath: changedSchema, migrationsDir };
    const created = await create(target, { ...changed, name: "add_team" });
    expect(path.basename(created.directory ?? "")).toMatch(/^\d{14}_add_team$/);
    expect(await readFile(path.join(created.directory!, "migration.sql"), "utf8")).toBe(drift.sql);
    expect(await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8")).toContain('provider = "postgresql"');
    expect(await deploy(target, changed)).toEqual([path.basename(created.directory!)]);
    expect(await create(target, changed)).toEqual({ directory: null, sql: null });
  }, 60_000);
});

// Start-up applies the committed SQL itself (no wasm engine). It must leave exactly what the engine leaves,
// so that `prisma migrate` (native or wasm) takes over without noticing.
describe.each(["PostgreSQL", "PGlite"] as const)("start-up fast path on %s", (kind) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  /** An empty database, opened through openDatabase (the start-up path) with these migrations. */
  const openFresh = async (migrationsDir = DEFAULT_MIGRATIONS_DIR): Promise<{ open: () => Promise<Database> }> => {
    let url: string | undefined;
    let dataDir = "";
    if (kind === "PostgreSQL") {
      const empty = await createTestPostgres({ migrate: false });
      cleanups.push(() => empty.drop());
      url = empty.url;
      await empty.db.close();
    } else {
      const dir = await mkdtemp(path.join(tmpdir(), "migrations-fast-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      dataDir = path.join(dir, "data");
    }
    return { open: () => openDatabase({ url, dataDir, migrate: true, migrationsDir, log: silentLog() }) };
  };

  it("records what the engine records, and the engine then finds the database up to date and in sync with schema.prisma", async () => {
    const viaEngine = await (kind === "PostgreSQL" ? createTestPostgres({ migrate: false }) : createTestPglite({ migrate: false }));
    cleanups.push(() => viaEngine.drop());
    await deploy(viaEngine.db.migrationTarget, options);

    const fresh = await openFresh();
    const db = await fresh.open();
    cleanups.push(() => db.close());
    const rows = await migrationRows(db.prisma);
    expect(rows.map(({ finished_at, ...row }) => ({ ...row, finished: finished_at instanceof Date }))).toEqual(
      (await migrationRows(viaEngine.db.prisma)).map(({ finished_at, ...row }) => ({ ...row, finished: finished_at instanceof Date })),
    );
    expect(await describeTables(db.prisma)).toEqual(await describeTables(viaEngine.db.prisma));
    expect(await status(db.migrationTarget, options)).toEqual({ upToDate: true, pending: [], failed: [], edited: [], unknown: [] });
    expect(await create(db.migrationTarget, options)).toEqual({ directory: null, sql: null });
  }, 90_000);

  it("records a failing migration as failed with its error, applies nothing of it, and the next start refuses", async () => {
    const migrationsDir = await mkdtemp(path.join(tmpdir(), "migrations-fast-dir-"));
    cleanups.push(() => rm(migrationsDir, { recursive: true, force: true }));
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    await addMigration(migrationsDir, "29990102000000_broken", ["CREATE TABLE half_applied (id int);", "SELECT 1/0;"]);
    const fresh = await openFresh(migrationsDir);
    await expect(fresh.open()).rejects.toThrow(/29990102000000_broken failed: division by zero/);
    // The engine decides from here on, and refuses as `prisma migrate deploy` does (P3009).
    await expect(fresh.open()).rejects.toThrow(/P3009|failed migrations/);
  }, 90_000);
});

/** Every column and index of the public schema, as the catalog describes them. */
async function describeTables(prisma: PrismaClient): Promise<unknown> {
  const columns = await prisma.$queryRaw`
    SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`;
  const indexes = await prisma.$queryRaw`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`;
  return { columns, indexes };
}

async function migrationNames(): Promise<string[]> {
  const entries = await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

async function migrationRows(prisma: PrismaClient): Promise<MigrationRow[]> {
  return prisma.$queryRaw<MigrationRow[]>`
    SELECT migration_name, checksum, finished_at, rolled_back_at, logs, applied_steps_count
    FROM _prisma_migrations ORDER BY migration_name`;
}

async function addMigration(migrationsDir: string, name: string, statements: string[]): Promise<void> {
  await mkdir(path.join(migrationsDir, name));
  await writeFile(path.join(migrationsDir, name, "migration.sql"), `${statements.join("\n")}\n`);
}
