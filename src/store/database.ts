// Opens the database the service persists to: PostgreSQL when given a postgres URL, otherwise embedded
// PGlite (a directory, or memory for tests). Same generated client and schema on both.
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import type { Log } from "../domain/ports.ts";
import { PrismaClient } from "../generated/prisma/client.ts";
import { DeadlineError, withDeadline } from "../deadline.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import { attachToAsteriskContacts, chooseLayout, findAsteriskTables, quoteIdentifier, STANDALONE, type RealtimeSettings, type StorageLayout } from "./asterisk-realtime.ts";
import type { MigrationOptions, MigrationTarget } from "./schema-engine.ts";
import { applyMigrationsDirectly, PRISMA_MIGRATE_LOCK, type SqlRunner } from "./sql-migrations.ts";
import { openPgliteFromTemplate } from "./pglite-template.ts";
import { createPglite, DEFAULT_PGLITE, type PgliteSettings } from "./pglite.ts";

// Loaded on first use, so a start pays only for the database it uses (module loading is a good part of
// a cold start): pg and its Prisma adapter for PostgreSQL, PGlite's adapter for PGlite, the wasm schema
// engine only when the migration history needs it.
const loadPg = async () => (await import("pg")).default;

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
  /** Deadline of one PostgreSQL connection attempt, at start-up and in the pool (default 5000 ms). */
  connectionTimeoutMs?: number;
  /** statement_timeout and client-side read timeout of every pooled query (default: none). */
  queryTimeoutMs?: number;
  /** How long start-up retries a refused or silent PostgreSQL before giving up (default 0: no retry). */
  startupWaitMs?: number;
  /** Check the server answers before anything else (default true), so start-up fails with a clear cause. */
  checkAtStart?: boolean;
  /** Aborts the start-up wait (a stop signal during start-up). */
  signal?: AbortSignal;
  /** Next to Asterisk's PJSIP realtime tables (default: auto-detected in schema public, ours in agent_availability). */
  realtime?: RealtimeSettings;
  /** Where a new PGlite directory is copied from (default: the one `npm install` makes; missing: initdb). */
  pgliteTemplate?: string;
  /** PGlite's memory settings (default DEFAULT_PGLITE). */
  pglite?: PgliteSettings;
}

/** PostgreSQL's application_name of every connection the service opens. */
export const APPLICATION_NAME = "agent-availability";

export const DEFAULT_REALTIME: RealtimeSettings = { mode: "auto", asteriskSchema: "public", serviceSchema: "agent_availability" };

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseLocation["kind"];
  /** Where it is, without credentials: host:port/database, or the PGlite directory. */
  where: string;
  /** How the schema engine reaches this database (for an embedded PGlite: this very instance). */
  migrationTarget: MigrationTarget;
  /** Standalone (the service's tables in the default schema), or next to Asterisk's realtime tables. */
  layout: StorageLayout;
  close(): Promise<void>;
}

/** The database cannot be used at start-up; the message names the host and the cause. */
export class DatabaseStartError extends Error {
  constructor(
    message: string,
    readonly code: StartProblem["cause"],
  ) {
    super(message);
    this.name = "DatabaseStartError";
  }
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
export async function openPglite(dataDir: string | null, settings: PgliteSettings = DEFAULT_PGLITE): Promise<PGlite> {
  return createPglite(dataDir ?? undefined, settings);
}

/** Brings an embedded database's schema up to date (committed SQL, Prisma's bookkeeping). */
export async function migrateEmbedded(pglite: PGlite, options: Pick<OpenDatabaseOptions, "log" | "schemaPath" | "migrationsDir">, log: Log): Promise<void> {
  const runner: SqlRunner = {
    query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
    exec: async (script) => void (await pglite.exec(script)),
  };
  await applyMigrations(runner, false, { pglite }, options, log);
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
  const where = safeHost(url);
  const connectTimeoutMs = options.connectionTimeoutMs ?? 5_000;
  if (options.checkAtStart ?? true) await waitForPostgres(url, options, log);
  const layout = options.migrate || options.realtime ? await preparePostgres(url, options, where, log) : STANDALONE;
  const queryTimeoutMs = options.queryTimeoutMs;
  const [pg, { PrismaPg }] = await Promise.all([loadPg(), import("@prisma/adapter-pg")]);
  const pool = new pg.Pool({
    connectionString: url,
    // Seen in pg_stat_activity, and tells the service's statements from Asterisk's in a shared database.
    application_name: APPLICATION_NAME,
    max: options.poolSize ?? 10,
    // Finite, so a query fails (and the write buffer retries) instead of hanging while PostgreSQL is down.
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A peer that vanishes without a FIN (cable, VM freeze) is noticed by TCP keepalive, not never.
    keepAlive: true,
    // The server cancels a slow statement; the client-side timeout, a little later, frees a connection whose
    // server answers nothing at all (a stalled link), so a stalled database cannot hold the pool forever.
    ...(queryTimeoutMs ? { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + 1_000 } : {}),
    // Next to Asterisk the service's unqualified table names resolve in its own schema.
    ...(layout.kind === "asterisk-realtime" ? { options: `-c search_path=${layout.serviceSchema}` } : {}),
  });
  // An idle client losing its server emits "error" on the pool; unhandled, that would crash the process.
  const onPoolError = (error: Error) => log.warn({ err: error.message }, "idle PostgreSQL connection failed");
  pool.on("error", onPoolError);
  const schema = layout.kind === "asterisk-realtime" ? { schema: layout.serviceSchema } : {};
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { onPoolError, onConnectionError: onPoolError, ...schema }) });
  log.info({ host: where, layout }, "database: PostgreSQL");
  return {
    prisma,
    kind: "postgres",
    where,
    migrationTarget: { url: urlWithSchema(url, layout) },
    layout,
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** One connection for finding the layout and migrating (not from the pool: Prisma's advisory lock is per session). */
async function preparePostgres(url: string, options: OpenDatabaseOptions, where: string, log: Log): Promise<StorageLayout> {
  const connectTimeoutMs = options.connectionTimeoutMs ?? 5_000;
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true, application_name: APPLICATION_NAME });
  client.on("error", () => undefined); // surfaces again on the next query
  await withDeadline(client.connect(), connectTimeoutMs + 1_000, `database ${where}: connect`);
  try {
    const runner: SqlRunner = {
      query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
      exec: async (script) => void (await client.query(script)),
    };
    return await prepare(runner, true, { url }, options, where, log);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function openEmbedded(dataDir: string | null, options: OpenDatabaseOptions, log: Log): Promise<Database> {
  // Before PGlite touches the directory: a second process must not even open it.
  const lock = dataDir === null ? null : lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    if (dataDir === null) pglite = await openPglite(null, options.pglite);
    else {
      const opened = await openPgliteFromTemplate(dataDir, options.pgliteTemplate, options.pglite);
      pglite = opened.pglite;
      if (opened.fromTemplate) log.info({ dataDir }, "database: new PGlite directory made from the install-time template");
    }
  } catch (error) {
    lock?.release();
    throw error;
  }
  let layout: StorageLayout;
  let PrismaPGlite;
  try {
    const runner: SqlRunner = {
      query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
      exec: async (script) => void (await pglite.exec(script)),
    };
    // One session: a search_path set here holds for everything the service runs on this instance.
    layout = options.migrate || options.realtime ? await prepare(runner, false, { pglite }, options, dataDir ?? "memory", log) : STANDALONE;
    ({ PrismaPGlite } = await import("pglite-prisma-adapter"));
  } catch (error) {
    await pglite.close();
    lock?.release();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  log.info({ dataDir: dataDir ?? "memory", layout }, "database: embedded PGlite");
  return {
    prisma,
    kind: "pglite",
    where: dataDir ?? "memory",
    migrationTarget: { pglite },
    layout,
    close: async () => {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Finds out where the service's tables go (next to Asterisk's realtime tables: a schema of its own), applies
 * the migrations there when asked, and attaches to Asterisk's ps_contacts. Leaves `runner` in that schema.
 */
async function prepare(runner: SqlRunner, lock: boolean, target: MigrationTarget, options: OpenDatabaseOptions, where: string, log: Log): Promise<StorageLayout> {
  const settings = options.realtime ?? DEFAULT_REALTIME;
  const layout = chooseLayout(settings, await findAsteriskTables(runner, settings.asteriskSchema), where);
  if (layout.kind === "asterisk-realtime") {
    const service = quoteIdentifier(layout.serviceSchema);
    await runner.exec(`CREATE SCHEMA IF NOT EXISTS ${service}; SET search_path TO ${service}`);
    log.info({ asteriskSchema: layout.asteriskSchema, serviceSchema: layout.serviceSchema }, "next to Asterisk's PJSIP realtime tables");
  }
  if (!options.migrate) return layout;
  const engineTarget = "url" in target ? { url: urlWithSchema(target.url, layout) } : target;
  await applyMigrations(runner, lock, engineTarget, options, log);
  if (layout.kind === "asterisk-realtime") {
    // Under the migrations' lock: instances starting together attach one after the other.
    if (lock) await runner.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`);
    try {
      await attachToAsteriskContacts(runner, layout);
    } finally {
      if (lock) await runner.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK})`);
    }
  }
  return layout;
}

/**
 * Where `npm run db:migrate` must point the schema engine: next to Asterisk's realtime tables, the service's
 * own schema (created if missing), else the URL as given.
 */
export async function migrationUrlFor(url: string, settings: RealtimeSettings): Promise<{ url: string; layout: StorageLayout }> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: APPLICATION_NAME });
  await client.connect();
  try {
    const runner: SqlRunner = {
      query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
      exec: async (script) => void (await client.query(script)),
    };
    const layout = chooseLayout(settings, await findAsteriskTables(runner, settings.asteriskSchema), safeHost(url));
    if (layout.kind === "asterisk-realtime") await runner.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(layout.serviceSchema)}`);
    return { url: urlWithSchema(url, layout), layout };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Prisma's schema engine takes the schema from the URL. */
function urlWithSchema(url: string, layout: StorageLayout): string {
  if (layout.kind !== "asterisk-realtime") return url;
  const parsed = new URL(url);
  parsed.searchParams.set("schema", layout.serviceSchema);
  return parsed.href;
}

/** Committed SQL applied directly (fast); the wasm engine only when the history needs its judgement. */
async function applyMigrations(runner: SqlRunner, lock: boolean, target: MigrationTarget, options: Pick<OpenDatabaseOptions, "log" | "schemaPath" | "migrationsDir">, log: Log): Promise<void> {
  const started = Date.now();
  const direct = await applyMigrationsDirectly(runner, options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR, { lock });
  let applied: string[];
  if ("needsEngine" in direct) {
    log.warn({ reason: direct.needsEngine }, "migration history needs the schema engine");
    const { deploy } = await import("./schema-engine.ts");
    applied = await deploy(target, migrationOptions(options));
  } else {
    applied = direct.applied;
  }
  log.info({ applied, ms: Date.now() - started }, applied.length ? "migrations applied" : "migrations up to date");
}

// ---------------------------------------------------------------------------------------------------
// Start-up against PostgreSQL: one clear line per failed attempt, naming the host and the cause.

interface StartProblem {
  cause: "refused" | "silent" | "host-not-found" | "closed" | "starting-up" | "authentication-failed" | "not-authorized" | "database-missing" | "error";
  /** Worth retrying: the server may come (back) up. A wrong password or a missing database will not fix itself. */
  transient: boolean;
  text: string;
}

async function waitForPostgres(url: string, options: OpenDatabaseOptions, log: Log): Promise<void> {
  const where = safeHost(url);
  const timeoutMs = options.connectionTimeoutMs ?? 5_000;
  const waitMs = options.startupWaitMs ?? 0;
  const started = Date.now();
  let retryInMs = 250;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await probePostgres(url, timeoutMs);
      if (attempt > 1) log.info({ host: where, attempt }, `database ${where} answers`);
      return;
    } catch (error) {
      const problem = classifyPostgresError(error, url, timeoutMs);
      const message = `database ${where}: ${problem.text}`;
      const giveUp = !problem.transient || options.signal?.aborted || Date.now() - started + retryInMs > waitMs;
      if (giveUp) throw new DatabaseStartError(message, problem.cause);
      log.warn({ host: where, cause: problem.cause, attempt, retryInMs, waitedMs: Date.now() - started, waitMs }, `${message}; retrying`);
      await sleep(retryInMs, options.signal);
      retryInMs = Math.min(retryInMs * 2, 5_000);
    }
  }
}

async function probePostgres(url: string, timeoutMs: number): Promise<void> {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on("error", () => undefined);
  try {
    // pg's own timeout covers connect and authentication; ours also covers a hang in between.
    await withDeadline(
      client.connect().then(() => client.query("SELECT 1")),
      timeoutMs + 500,
      "connect",
    );
  } finally {
    void client.end().catch(() => undefined);
  }
}

export function classifyPostgresError(error: unknown, url: string, timeoutMs: number): StartProblem {
  const e = error as { code?: string; message?: string };
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username) || "(default user)";
  const database = decodeURIComponent(parsed.pathname.slice(1)) || user;
  const message = e?.message ?? String(error);
  switch (e?.code) {
    case "ECONNREFUSED":
      return { cause: "refused", transient: true, text: "connection refused (is PostgreSQL running and listening there?)" };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { cause: "host-not-found", transient: true, text: `host name ${parsed.hostname} not found` };
    case "ECONNRESET":
    case "EPIPE":
      return { cause: "closed", transient: true, text: `connection closed by the server (${message})` };
    case "57P03":
      return { cause: "starting-up", transient: true, text: `the server is not accepting connections yet (${message})` };
    case "28P01":
      return { cause: "authentication-failed", transient: false, text: `password authentication failed for user "${user}"` };
    case "28000":
      return { cause: "not-authorized", transient: false, text: `user "${user}" may not connect (${message})` };
    case "3D000":
      return { cause: "database-missing", transient: false, text: `database "${database}" does not exist (create it, or fix DATABASE_URL)` };
  }
  if (error instanceof DeadlineError || /timeout|timed out/i.test(message)) {
    return { cause: "silent", transient: true, text: `no answer within ${timeoutMs} ms (server stalled, or a firewall drops packets)` };
  }
  if (/terminated unexpectedly|Connection terminated/i.test(message)) return { cause: "closed", transient: true, text: `connection closed by the server (${message})` };
  return { cause: "error", transient: false, text: message };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** The URL without credentials, for logs. */
export function safeHost(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}
