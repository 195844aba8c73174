// A fresh PostgreSQL database for each service the bench starts (127.0.0.1:5432, user postgres),
// dropped afterwards. After the service has migrated it, `watchWrites` adds a trigger that logs
// every ps_endpoints write with the database's own clock: the "event → DB" end of each latency.
import { randomUUID } from "node:crypto";
import pg from "pg";

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  name: string;
  url: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export interface EndpointWrite {
  extension: string;
  status: string;
  /** The state's own time (the service's clock when it applied the event), epoch ms. */
  updatedAt: number;
  /** When the row was written (database clock), epoch ms with µs resolution. */
  writtenAt: number;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `bench_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomUUID().slice(0, 8)}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  // An idle client ended by the server (a database dropped WITH (FORCE) at the end) must not end the run;
  // a failing query still rejects.
  pool.on("error", () => undefined);
  let dropped = false;
  return {
    name,
    url: url.toString(),
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await pool.end().catch(() => undefined);
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** CRM users for extensions first..first+count-1 (names are part of what queries return). */
export async function seedUsers(db: BenchDatabase, first: number, count: number): Promise<void> {
  await db.query(`INSERT INTO users (name, extension) SELECT 'Agent ' || g, g::text FROM generate_series($1::int, $2::int) g ON CONFLICT DO NOTHING`, [
    first,
    first + count - 1,
  ]);
}

/** From now on every insert/update of ps_endpoints is logged with clock_timestamp(). */
export async function watchWrites(db: BenchDatabase): Promise<void> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS bench_endpoint_writes (
      id text NOT NULL, status text NOT NULL, updated_at timestamptz NOT NULL, written_at timestamptz NOT NULL);
    CREATE OR REPLACE FUNCTION bench_log_endpoint_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO bench_endpoint_writes VALUES (NEW.id, NEW.status, NEW.updated_at, clock_timestamp());
      RETURN NULL;
    END $$;
    DROP TRIGGER IF EXISTS bench_log_endpoint_write ON ps_endpoints;
    CREATE TRIGGER bench_log_endpoint_write AFTER INSERT OR UPDATE ON ps_endpoints
      FOR EACH ROW EXECUTE FUNCTION bench_log_endpoint_write();`);
}

/** Every write logged so far, oldest first; empties the log. */
export async function takeWrites(db: BenchDatabase): Promise<EndpointWrite[]> {
  const rows = await db.query<{ id: string; status: string; u: string; w: string }>(
    `DELETE FROM bench_endpoint_writes RETURNING id, status,
       (extract(epoch FROM updated_at) * 1000)::float8 AS u, (extract(epoch FROM written_at) * 1000)::float8 AS w`,
  );
  return rows.map((r) => ({ extension: r.id, status: r.status, updatedAt: Number(r.u), writtenAt: Number(r.w) })).sort((a, b) => a.writtenAt - b.writtenAt);
}

export async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
    return rows[0]?.server_version ?? "unknown";
  } finally {
    await client.end();
  }
}
