// The install-time PGlite template: a new DATA_DIR starts as a copy of it instead of running initdb;
// a template older than the committed migrations is brought up to date at open; an initialised
// directory never uses it, an interrupted copy is made again; without a template, initdb as before.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrateEmbedded, openDatabase } from "../../src/store/database.ts";
import { writeTemplate } from "../../src/store/pglite-template.ts";
import { MemoryLog } from "../helpers/memory-log.ts";

const MIGRATIONS = path.resolve(import.meta.dirname, "../../prisma/migrations");
const work = mkdtempSync(path.join(tmpdir(), "aa-template-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const committed = readdirSync(MIGRATIONS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
const fromTemplate = (log: MemoryLog) => log.entries.some((e) => /install-time template/.test(e.msg ?? ""));

async function appliedMigrations(dataDir: string, template: string, log: MemoryLog): Promise<string[]> {
  const db = await openDatabase({ dataDir, migrate: true, log, pgliteTemplate: template });
  try {
    const rows = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string }>>("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name");
    await db.prisma.$queryRawUnsafe("SELECT count(*) FROM revoked_credentials"); // the newest migration's table
    return rows.map((r) => r.migration_name);
  } finally {
    await db.close();
  }
}

describe("PGlite template", () => {
  it("a new directory starts from a stale template and gets the missing migration; an initialised one never uses it", async () => {
    // A template made before the newest migration existed.
    const older = path.join(work, "older-migrations");
    cpSync(MIGRATIONS, older, { recursive: true });
    rmSync(path.join(older, committed.at(-1)!), { recursive: true });
    const template = path.join(work, "template");
    const log = new MemoryLog();
    expect(await writeTemplate((pglite) => migrateEmbedded(pglite, { log, migrationsDir: older }, log), template)).toBeGreaterThan(100_000);

    const dataDir = path.join(work, "data");
    const first = new MemoryLog();
    expect(await appliedMigrations(dataDir, template, first)).toEqual(committed);
    expect(fromTemplate(first), "made from the template").toBe(true);
    expect(first.entries.find((e) => e.msg === "migrations applied")?.obj).toMatchObject({ applied: [committed.at(-1)] });

    const again = new MemoryLog();
    expect(await appliedMigrations(dataDir, template, again)).toEqual(committed);
    expect(fromTemplate(again), "an initialised directory is opened as it is").toBe(false);

    // A copy cut short (PG_VERSION is copied last): the next start copies again over what is there.
    const interrupted = path.join(work, "interrupted");
    mkdirSync(path.join(interrupted, "base"), { recursive: true });
    writeFileSync(path.join(interrupted, "postgresql.conf"), "half a file");
    const retried = new MemoryLog();
    expect(await appliedMigrations(interrupted, template, retried)).toEqual(committed);
    expect(fromTemplate(retried)).toBe(true);
  }, 240_000);

  it("without a template, a new directory runs initdb and every migration", async () => {
    const log = new MemoryLog();
    expect(await appliedMigrations(path.join(work, "no-template"), path.join(work, "missing"), log)).toEqual(committed);
    expect(fromTemplate(log)).toBe(false);
  }, 240_000);
});
