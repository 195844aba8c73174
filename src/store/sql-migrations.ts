// The fast path of `migrate deploy`: apply the committed migration.sql files directly and record them in
// `_prisma_migrations` exactly as Prisma's engine does (same table, sha256 checksums, one row per migration,
// finished_at and applied_steps_count = 1 on success, logs on failure). Loading the wasm schema engine
// costs seconds at every start; this costs one query when nothing is pending. Anything unusual in the
// history (a failed, edited or unknown migration) is left to the engine, which reports it as Prisma does.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** The two calls the fast path needs, on pg or PGlite. */
export interface SqlRunner {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements as one simple-protocol query: PostgreSQL runs them in one implicit transaction. */
  exec(script: string): Promise<void>;
}

/** Prisma's own DDL for its bookkeeping table (schema-engine, postgres flavour). */
const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Prisma's advisory lock key for migrations: the engine and this path exclude each other. */
export const PRISMA_MIGRATE_LOCK = 72707369;

export interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
}

export type DirectResult = { applied: string[] } | { needsEngine: string };

export async function readLocalMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const script = await readFile(path.join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, script, checksum: createHash("sha256").update(script).digest("hex") };
    }),
  );
}

/** Applies pending migrations, or says why the engine must decide. `lock`: take Prisma's advisory lock (PostgreSQL). */
export async function applyMigrationsDirectly(runner: SqlRunner, migrationsDir: string, options: { lock: boolean }): Promise<DirectResult> {
  const local = await readLocalMigrations(migrationsDir);
  if (options.lock) await runner.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`);
  try {
    await runner.exec(MIGRATIONS_TABLE_DDL);
    const history = await runner.query<HistoryRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at`,
    );
    const unusual = unusualHistory(history, local);
    if (unusual) return { needsEngine: unusual };
    const done = new Set(history.map((row) => row.migration_name));
    const applied: string[] = [];
    for (const migration of local.filter((m) => !done.has(m.name))) {
      await applyOne(runner, migration);
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    if (options.lock) await runner.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK})`);
  }
}

function unusualHistory(history: HistoryRow[], local: LocalMigration[]): string | null {
  const byName = new Map(local.map((m) => [m.name, m]));
  for (const row of history) {
    if (row.finished_at === null) return `migration ${row.migration_name} failed earlier`;
    const mine = byName.get(row.migration_name);
    if (!mine) return `migration ${row.migration_name} is in the database but not in prisma/migrations`;
    if (mine.checksum !== row.checksum) return `migration ${row.migration_name} was edited after it was applied`;
  }
  return null;
}

async function applyOne(runner: SqlRunner, migration: LocalMigration): Promise<void> {
  const id = randomUUID();
  await runner.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`, [
    id,
    migration.checksum,
    migration.name,
  ]);
  try {
    await runner.exec(migration.script);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await runner.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
    throw new Error(`migration ${migration.name} failed: ${message}`, { cause: error });
  }
  await runner.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
}
