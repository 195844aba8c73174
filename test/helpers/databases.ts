// Throwaway databases for tests, migrated with the project's real migrations.
//
//   const pg = await createTestPostgres();      // fresh database `test_<random>` on TEST_POSTGRES_URL's server
//   const lite = await createTestPglite();      // in-memory PGlite (or { dataDir } for a persisted one)
//   pg.db.prisma / pg.db.kind / pg.url          // pg.url is set for PostgreSQL only
//   await pg.drop();                            // closes the client, drops the database (PG) — call in afterAll
//
// TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres) must be able to CREATE DATABASE.
// Options: { migrate: false } for an empty database; { log } to see what the store logs (silent by default).
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Log } from "../../src/domain/ports.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";

export const ADMIN_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** PostgreSQL only: the URL of the fresh database (for a second client, or to reopen it). */
  url?: string;
  db: Database;
  /** Close the client and remove the database. Idempotent. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  migrate?: boolean;
  log?: Log;
}

/** A logger that records everything and prints nothing; `entries` helps asserting on logs. */
export function silentLog(entries: Array<{ level: string; msg?: string; obj: object }> = []): Log & { entries: typeof entries } {
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, msg, obj });
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => silentLog(entries) };
}

export async function createTestPostgres(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = withDatabase(ADMIN_POSTGRES_URL, name);
  let db: Database;
  try {
    db = await openDatabase({ url, dataDir: "", migrate: options.migrate ?? true, log: options.log ?? silentLog() });
  } catch (error) {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  let dropped = false;
  return {
    url,
    db,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await db.close().catch(() => undefined);
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** In memory unless `dataDir` is given (then the directory persists; the caller removes it). */
export async function createTestPglite(options: TestDatabaseOptions & { dataDir?: string } = {}): Promise<TestDatabase> {
  const db = await openDatabase({
    url: options.dataDir ? undefined : "memory:",
    dataDir: options.dataDir ?? "",
    migrate: options.migrate ?? true,
    log: options.log ?? silentLog(),
  });
  let closed = false;
  return {
    db,
    drop: async () => {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.href;
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** What a CRM does: a row in `users` (main extension) and one in `user_extensions` per further extension. */
export async function insertUser(url: string, name: string, extensions: readonly string[]): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [main, ...more] = extensions;
    const { rows } = await client.query<{ id: string }>("INSERT INTO users (name, extension) VALUES ($1, $2) RETURNING id", [name, main]);
    const id = rows[0]!.id;
    for (const [index, extension] of more.entries()) {
      await client.query("INSERT INTO user_extensions (extension, user_id, position) VALUES ($1, $2, $3)", [extension, id, index + 1]);
    }
    return id;
  } finally {
    await client.end();
  }
}
