// Next to Asterisk's PJSIP realtime tables (issue 8): the migrations on a database that already holds
// Asterisk's schema (test/fixtures/asterisk-realtime/realtime-schema.sql, Asterisk 22.10.1's own DDL), on an
// empty one and on today's schema; and the store keeping the status of the contact rows Asterisk writes,
// written here exactly as res_config_pgsql writes them (its own 16 columns, every value a quoted string,
// `;` escaped as ^3B), without ever inserting or resurrecting one.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { RealtimeSettings } from "../../src/store/asterisk-realtime.ts";
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, migrationUrlFor, openDatabase, type Database } from "../../src/store/database.ts";
import { deploy, status } from "../../src/store/schema-engine.ts";
import { createPrismaStatusStore } from "../../src/store/prisma-status-store.ts";
import { agent, contact } from "../helpers/agents.ts";
import { ADMIN_POSTGRES_URL, adminQuery, silentLog, withDatabase } from "../helpers/databases.ts";

/** Every table the committed migrations create (sorted), wherever they go. */
const OUR_TABLES = ["_prisma_migrations", "cluster_leaders", "ps_contacts", "ps_endpoints", "revoked_credentials", "user_extensions", "users"];

const ASTERISK_DDL = readFileSync(path.join(import.meta.dirname, "../fixtures/asterisk-realtime/realtime-schema.sql"), "utf8");
const AUTO: RealtimeSettings = { mode: "auto", asteriskSchema: "public", serviceSchema: "agent_availability" };
const HASH = "e8fa77a71c4017dddb7584685f802864";

interface ColumnRow {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: string;
  column_default: string | null;
}

/** A fresh PostgreSQL database (dropped in afterAll) and a plain client on it (Asterisk's side of things). */
const created: string[] = [];
const clients: pg.Client[] = [];
async function freshPostgres(): Promise<{ url: string; sql: pg.Client }> {
  const name = `test_rt_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  created.push(name);
  const url = withDatabase(ADMIN_POSTGRES_URL, name);
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  clients.push(sql);
  return { url, sql };
}

const opened: Database[] = [];
async function open(url: string, realtime: RealtimeSettings = AUTO): Promise<Database> {
  const db = await openDatabase({ url, dataDir: "", migrate: true, log: silentLog(), realtime });
  opened.push(db);
  return db;
}

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close().catch(() => undefined)));
  await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

type Query = (text: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/** What Asterisk's res_config_pgsql sends on REGISTER: its own columns only, every value a string. */
async function asteriskInsertsContact(query: Query, extension: string, hash = HASH, schema = "public"): Promise<string> {
  const id = `${extension}^3B@${hash}`;
  await query(
    `INSERT INTO ${schema}.ps_contacts (id, uri, expiration_time, qualify_frequency, outbound_proxy, path, user_agent, qualify_timeout, reg_server,
       authenticate_qualify, via_addr, via_port, call_id, endpoint, prune_on_boot, qualify_2xx_only)
     VALUES ('${id}', 'sip:${extension}@127.0.0.1:15000', '1796000579', '5', '', '', 'asterisk-lab-sipp', '3', '', 'no', '127.0.0.1', '15000',
       '1-14774@127.0.0.1', '${extension}', 'no', 'false')`,
  );
  return id;
}

async function asteriskColumns(query: Query, schema = "public"): Promise<ColumnRow[]> {
  const { rows } = await query(
    `SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = $1 AND table_name IN ('ps_contacts', 'ps_endpoints', 'ps_aors', 'ps_auths') ORDER BY table_name, ordinal_position`,
    [schema],
  );
  return rows as unknown as ColumnRow[];
}

async function contactRows(query: Query): Promise<Array<{ id: string; status: string | null; roundtrip_usec: number | null }>> {
  const { rows } = await query(`SELECT id, status, roundtrip_usec FROM public.ps_contacts ORDER BY id`);
  return rows as Array<{ id: string; status: string | null; roundtrip_usec: number | null }>;
}

/** The contact id as AMI (and the service) know it, for the row Asterisk stores as `<ext>^3B@<hash>`. */
const amiContact = (extension: string, overrides: Parameters<typeof contact>[2] = {}, hash = HASH) => ({ ...contact(extension, 1, overrides), id: `${extension};@${hash}` });

describe("migrations next to Asterisk's realtime tables (PostgreSQL)", () => {
  it("on a database with Asterisk's schema: nothing of Asterisk's changes, four nullable columns without default are added, ours go to their own schema; idempotent", async () => {
    const { url, sql } = await freshPostgres();
    await sql.query(ASTERISK_DDL);
    const before = await asteriskColumns(sql.query.bind(sql));
    expect(before.filter((c) => c.table_name === "ps_contacts")).toHaveLength(16);

    const db = await open(url);
    expect(db.layout).toEqual({ kind: "asterisk-realtime", asteriskSchema: "public", serviceSchema: "agent_availability" });
    const after = await asteriskColumns(sql.query.bind(sql));
    // Every column Asterisk has is exactly as it was; ps_contacts has four more, all nullable with no default.
    expect(after.filter((c) => before.some((b) => b.table_name === c.table_name && b.column_name === c.column_name))).toEqual(before);
    const added = after.filter((c) => !before.some((b) => b.table_name === c.table_name && b.column_name === c.column_name));
    expect(added.map((c) => [c.table_name, c.column_name, c.is_nullable, c.column_default])).toEqual([
      ["ps_contacts", "status", "YES", null],
      ["ps_contacts", "roundtrip_usec", "YES", null],
      ["ps_contacts", "user_id", "YES", null],
      ["ps_contacts", "updated_at", "YES", null],
    ]);
    const ours = await sql.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'agent_availability' ORDER BY table_name`);
    expect(ours.rows.map((r) => r.table_name)).toEqual(OUR_TABLES);
    const publicTables = await sql.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
    expect(publicTables.rows.map((r) => r.table_name)).toEqual(["ps_aors", "ps_auths", "ps_contacts", "ps_endpoints"]);

    // Asterisk's own insert, refresh update and delete all still work.
    const id = await asteriskInsertsContact(sql.query.bind(sql), "1000");
    await sql.query(`UPDATE public.ps_contacts SET expiration_time = '1796000639', via_port = '15000' WHERE id = $1`, [id]);
    expect(await contactRows(sql.query.bind(sql))).toEqual([{ id, status: null, roundtrip_usec: null }]);
    await sql.query(`DELETE FROM public.ps_contacts WHERE id = $1`, [id]);

    // A second start changes nothing and adds no second trigger.
    await db.close();
    opened.splice(opened.indexOf(db), 1);
    const again = await open(url);
    expect(again.layout.kind).toBe("asterisk-realtime");
    expect(await asteriskColumns(sql.query.bind(sql))).toEqual(after);
    const triggers = await sql.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.ps_contacts'::regclass AND NOT tgisinternal`);
    expect(triggers.rows.map((r) => r.tgname)).toEqual(["agent_availability_fill_status"]);
  });

  it("on an empty database: standalone, today's tables in public", async () => {
    const { url, sql } = await freshPostgres();
    const db = await open(url);
    expect(db.layout).toEqual({ kind: "standalone" });
    const tables = await sql.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
    expect(tables.rows.map((r) => r.table_name)).toEqual(OUR_TABLES);
    const schemas = await sql.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'agent_availability'`);
    expect(schemas.rowCount).toBe(0);
  });

  it("upgraded from today's schema (with data): stays standalone, keeps every row, and the contact table is still the service's own", async () => {
    const { url, sql } = await freshPostgres();
    const today = await open(url, { ...AUTO, mode: "off" });
    await createPrismaStatusStore(today.prisma, today.layout).writeExtensions([{ extension: "1000", state: agent("1000", [contact("1000", 1)]) }]);
    await today.close();
    opened.splice(opened.indexOf(today), 1);

    const upgraded = await open(url);
    expect(upgraded.layout).toEqual({ kind: "standalone" });
    const loaded = await createPrismaStatusStore(upgraded.prisma, upgraded.layout).loadAll();
    expect(loaded.map((a) => [a.extension, a.contacts.map((c) => c.status)])).toEqual([["1000", ["Reachable"]]]);
    expect((await sql.query(`SELECT count(*)::int AS n FROM public.ps_contacts`)).rows[0].n).toBe(1);
  });

  it("mode and schema settings: on without Asterisk's tables and off with them are clear errors; Asterisk's tables in another schema are found", async () => {
    const empty = await freshPostgres();
    await expect(open(empty.url, { ...AUTO, mode: "on" })).rejects.toThrow(/PJSIP_REALTIME=on but schema public has no Asterisk ps_contacts and ps_endpoints/);

    const withAsterisk = await freshPostgres();
    await withAsterisk.sql.query(ASTERISK_DDL);
    await expect(open(withAsterisk.url, { ...AUTO, mode: "off" })).rejects.toThrow(/holds Asterisk's PJSIP realtime tables in schema public \(PJSIP_REALTIME=off\)/);
    // Nothing was created by the refused start.
    expect((await withAsterisk.sql.query(`SELECT 1 FROM information_schema.tables WHERE table_name = '_prisma_migrations'`)).rowCount).toBe(0);

    const elsewhere = await freshPostgres();
    await elsewhere.sql.query(`CREATE SCHEMA asterisk; SET search_path TO asterisk; ${ASTERISK_DDL}`);
    const db = await open(elsewhere.url, { mode: "on", asteriskSchema: "asterisk", serviceSchema: "crm_state" });
    expect(db.layout).toEqual({ kind: "asterisk-realtime", asteriskSchema: "asterisk", serviceSchema: "crm_state" });
    await asteriskInsertsContact(elsewhere.sql.query.bind(elsewhere.sql), "1000", HASH, "asterisk");
    await createPrismaStatusStore(db.prisma, db.layout).writeExtensions([{ extension: "1000", state: agent("1000", [amiContact("1000")]) }]);
    expect((await elsewhere.sql.query(`SELECT status FROM asterisk.ps_contacts`)).rows).toEqual([{ status: "Reachable" }]);
  });
});

describe("npm run db:migrate next to Asterisk's realtime tables (the wasm schema engine)", () => {
  it("targets the service's own schema: the engine applies the migrations there, finds them up to date, and leaves Asterisk's tables alone", { timeout: 120_000 }, async () => {
    const { url, sql } = await freshPostgres();
    await sql.query(ASTERISK_DDL);
    const before = await asteriskColumns(sql.query.bind(sql));
    const target = await migrationUrlFor(url, AUTO);
    expect(target.layout.kind).toBe("asterisk-realtime");
    expect(new URL(target.url).searchParams.get("schema")).toBe("agent_availability");
    const options = { schemaPath: DEFAULT_SCHEMA_PATH, migrationsDir: DEFAULT_MIGRATIONS_DIR, log: silentLog() };
    expect((await deploy({ url: target.url }, options)).length).toBeGreaterThan(0);
    expect(await status({ url: target.url }, options)).toMatchObject({ upToDate: true });
    expect(await asteriskColumns(sql.query.bind(sql))).toEqual(before);
    const ours = await sql.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'agent_availability' ORDER BY table_name`);
    expect(ours.rows.map((r) => r.table_name)).toEqual(OUR_TABLES);
    // The service then starts on it without applying anything again.
    const db = await open(url);
    expect(db.layout.kind).toBe("asterisk-realtime");
  });
});

describe("the store next to Asterisk's realtime tables (PostgreSQL)", () => {
  it("keeps the status of Asterisk's rows, never inserts or resurrects one, fills a row inserted after the event, and names agents from ps_endpoints.callerid", async () => {
    const { url, sql } = await freshPostgres();
    await sql.query(ASTERISK_DDL);
    const db = await open(url);
    const store = createPrismaStatusStore(db.prisma, db.layout);
    const query: Query = sql.query.bind(sql);
    let at = 1_732_400_000_000;
    const write = (extension: string, contacts: ReturnType<typeof amiContact>[]) =>
      store.writeExtensions([{ extension, state: agent(extension, contacts, { updatedAt: (at += 1000) }) }]);

    // Asterisk registered 1000: its row gets the status AMI reports.
    const row1000 = await asteriskInsertsContact(query, "1000");
    await write("1000", [amiContact("1000", { roundtripUsec: 547 })]);
    expect(await contactRows(query)).toEqual([{ id: row1000, status: "Reachable", roundtrip_usec: 547 }]);
    await write("1000", [amiContact("1000", { status: "Unreachable", roundtripUsec: null })]);
    expect(await contactRows(query)).toEqual([{ id: row1000, status: "Unreachable", roundtrip_usec: null }]);

    // AMI reports 1001 before Asterisk's insert: no row is created; the insert then carries the status.
    await write("1001", [amiContact("1001", { roundtripUsec: 612 })]);
    expect((await contactRows(query)).map((r) => r.id)).toEqual([row1000]);
    const row1001 = await asteriskInsertsContact(query, "1001");
    expect(await contactRows(query)).toContainEqual({ id: row1001, status: "Reachable", roundtrip_usec: 612 });

    // Asterisk deletes 1000's row (unregister); a late write of the old state does not bring it back.
    await query(`DELETE FROM public.ps_contacts WHERE id = $1`, [row1000]);
    await write("1000", [amiContact("1000")]);
    expect((await contactRows(query)).map((r) => r.id)).toEqual([row1001]);

    // A row the service knows no contact for (its agent has none) holds no status: unknown, not a stale one.
    await write("1001", []);
    expect(await contactRows(query)).toEqual([{ id: row1001, status: null, roundtrip_usec: null }]);

    // The linked user is copied too.
    const user = await query(`INSERT INTO agent_availability.users (name, extension) VALUES ('Ada Lovelace', '1001') RETURNING id`);
    await write("1001", [amiContact("1001")]);
    expect((await query(`SELECT user_id, updated_at IS NOT NULL AS stamped FROM public.ps_contacts`)).rows).toEqual([{ user_id: user.rows[0]!.id, stamped: true }]);

    // Names: CallerID of Asterisk's endpoint when no user is linked; the user's name wins.
    await query(`INSERT INTO public.ps_endpoints (id, callerid) VALUES ('1010', '"Eria Motto" <1010>'), ('1001', '"Lab 1001" <1001>'), ('1011', '<1011>')`);
    await write("1010", []);
    expect(await store.loadEndpointNames()).toEqual(new Map([["1010", "Eria Motto"], ["1001", "Lab 1001"]]));
    const names = new Map((await store.loadAll()).map((a) => [a.extension, a.name]));
    expect(names.get("1010")).toBe("Eria Motto");
    expect(names.get("1001")).toBe("Ada Lovelace");
    const crm = await store.loadCrmFields(); // what a reload reads once synced: the same names
    expect(new Map([...crm].map(([extension, fields]) => [extension, fields.name]))).toEqual(names);
  });
});

describe("PGlite with Asterisk's realtime schema", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("detects it, migrates into its own schema, and keeps the status of Asterisk's rows", { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "aa-rt-pglite-"));
    dirs.push(dataDir);
    const seed = await PGlite.create(dataDir);
    await seed.exec(ASTERISK_DDL);
    await seed.close();

    const db = await openDatabase({ url: undefined, dataDir, migrate: true, log: silentLog(), realtime: AUTO });
    try {
      expect(db.layout).toEqual({ kind: "asterisk-realtime", asteriskSchema: "public", serviceSchema: "agent_availability" });
      const query: Query = async (text, params) => ({ rows: (await db.prisma.$queryRawUnsafe(text, ...(params ?? []))) as Array<Record<string, unknown>> });
      const added = await query(
        `SELECT column_name, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'ps_contacts' AND column_name IN ('status', 'roundtrip_usec', 'user_id', 'updated_at') ORDER BY column_name`,
      );
      expect(added.rows).toEqual(["roundtrip_usec", "status", "updated_at", "user_id"].map((column_name) => ({ column_name, is_nullable: "YES", column_default: null })));
      const store = createPrismaStatusStore(db.prisma, db.layout);
      const id = await asteriskInsertsContact(query, "1000");
      await store.writeExtensions([{ extension: "1000", state: agent("1000", [amiContact("1000", { roundtripUsec: 547 })]) }]);
      await store.writeExtensions([{ extension: "1001", state: agent("1001", [amiContact("1001")]) }]);
      expect(await contactRows(query)).toEqual([{ id, status: "Reachable", roundtrip_usec: 547 }]);
    } finally {
      await db.close();
    }
  });
});
