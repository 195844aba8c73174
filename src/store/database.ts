// Opens the database the service persists to: PostgreSQL when given a postgres URL, otherwise embedded
// PGlite (a directory, or memory for tests). Same generated client and schema on both.
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { Log } from "../domain/ports.ts";
import { PrismaClient } from "../generated/prisma/client.ts";
import { deploy, type MigrationOptions, type MigrationTarget } from "./schema-engine.ts";

export type { PrismaClient };

export type DatabaseLocation = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string | null };

export interface OpenDatabaseOptions {
  /** `postgres://` / `postgresql://` → PostgreSQL; `memory:` → in-memory PGlite; unset or empty → PGlite in dataDir. */
  url?: string;
  dataDir: string;
  /** Apply pending migrations before returning. */
  migrate: boolean;
  log: Log;
  /** Defaults: this package's prisma/schema.prisma and prisma/migrations. */
  schemaPath?: string;
  migrationsDir?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** How long to wait for a PostgreSQL connection before failing the query (default 5000 ms). */
  connectionTimeoutMs?: number;
}

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseLocation["kind"];
  /** How the schema engine reaches this database (for an embedded PGlite: this very instance). */
  migrationTarget: MigrationTarget;
  close(): Promise<void>;
}

export const DEFAULT_SCHEMA_PATH = fileURLToPath(new URL("../../prisma/schema.prisma", import.meta.url));
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

export function locateDatabase(url: string | undefined, dataDir: string): DatabaseLocation {
  if (!url) return { kind: "pglite", dataDir };
  if (url === "memory:") return { kind: "pglite", dataDir: null };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  throw new Error(`unsupported database URL scheme: ${url.split(":")[0]}: (use postgres://, postgresql:// or memory:)`);
}

/** PGlite in a directory (created if missing) or in memory. */
export async function openPglite(dataDir: string | null): Promise<PGlite> {
  return dataDir === null ? PGlite.create() : PGlite.create(dataDir);
}

export function migrationOptions(options: Pick<OpenDatabaseOptions, "log" | "schemaPath" | "migrationsDir">): MigrationOptions {
  return {
    schemaPath: options.schemaPath ?? DEFAULT_SCHEMA_PATH,
    migrationsDir: options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR,
    log: options.log,
  };
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const location = locateDatabase(options.url, options.dataDir);
  const log = options.log.child({ component: "database", kind: location.kind });
  return location.kind === "postgres" ? openPostgres(location.url, options, log) : openEmbedded(location.dataDir, options, log);
}

async function openPostgres(url: string, options: OpenDatabaseOptions, log: Log): Promise<Database> {
  if (options.migrate) await applyMigrations({ url }, options, log);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // Finite, so a query fails (and the write buffer retries) instead of hanging while PostgreSQL is down.
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server emits "error" on the pool; unhandled, that would crash the process.
  const onPoolError = (error: Error) => log.warn({ err: error.message }, "idle PostgreSQL connection failed");
  pool.on("error", onPoolError);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { onPoolError, onConnectionError: onPoolError }) });
  log.info({ host: safeHost(url) }, "database: PostgreSQL");
  return {
    prisma,
    kind: "postgres",
    migrationTarget: { url },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openEmbedded(dataDir: string | null, options: OpenDatabaseOptions, log: Log): Promise<Database> {
  const pglite = await openPglite(dataDir);
  try {
    if (options.migrate) await applyMigrations({ pglite }, options, log);
  } catch (error) {
    await pglite.close();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  log.info({ dataDir: dataDir ?? "memory" }, "database: embedded PGlite");
  return {
    prisma,
    kind: "pglite",
    migrationTarget: { pglite },
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

async function applyMigrations(target: MigrationTarget, options: OpenDatabaseOptions, log: Log): Promise<void> {
  const started = Date.now();
  const applied = await deploy(target, migrationOptions(options));
  log.info({ applied, ms: Date.now() - started }, applied.length ? "migrations applied" : "migrations up to date");
}

/** The URL without credentials, for logs. */
function safeHost(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}
