// Running next to Asterisk's PJSIP realtime tables (sorcery + res_config_pgsql in the same database).
// Asterisk owns ps_endpoints / ps_aors / ps_auths / ps_contacts: it inserts a contact row on REGISTER and
// deletes it on unregister or expiry. The service keeps its own tables in a schema of its own and adds to
// Asterisk's ps_contacts only nullable columns without default (Asterisk's INSERT names only its own
// columns, its UPDATE skips unknown ones), plus a BEFORE INSERT trigger that can never fail an insert.
import type { SqlRunner } from "./sql-migrations.ts";

/** `auto`: realtime when the database holds Asterisk's tables; `on`: required; `off`: refused if present. */
export type RealtimeMode = "auto" | "on" | "off";

export interface RealtimeSettings {
  mode: RealtimeMode;
  /** Where Asterisk's ps_* tables are (extconfig.conf's database, its search_path: usually public). */
  asteriskSchema: string;
  /** Where the service's own tables go in realtime mode. */
  serviceSchema: string;
}

/** How this database is laid out once opened. */
export type StorageLayout =
  | { kind: "standalone" }
  | { kind: "asterisk-realtime"; asteriskSchema: string; serviceSchema: string };

export const STANDALONE: StorageLayout = { kind: "standalone" };

/** Lower-case SQL identifiers only: no quoting surprises, and they can be spliced into SQL safely. */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteIdentifier(name: string): string {
  if (!SQL_IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Columns only Asterisk's ps_contacts has (the service's own standalone table has none of them). */
const ASTERISK_CONTACT_COLUMNS = ["authenticate_qualify", "prune_on_boot", "outbound_proxy"];
/** Columns only Asterisk's ps_endpoints has. */
const ASTERISK_ENDPOINT_COLUMNS = ["aors", "callerid", "context"];

/** The columns the service adds to Asterisk's ps_contacts: all nullable, none with a default. */
export const ADDED_CONTACT_COLUMNS: ReadonlyArray<readonly [name: string, type: string]> = [
  ["status", "VARCHAR(40)"],
  ["roundtrip_usec", "INTEGER"],
  ["user_id", "UUID"],
  ["updated_at", "TIMESTAMPTZ(3)"],
];

export interface AsteriskTables {
  contacts: boolean;
  endpoints: boolean;
}

/** Whether `schema` holds Asterisk's own ps_contacts / ps_endpoints (recognised by columns only Asterisk has). */
export async function findAsteriskTables(runner: SqlRunner, schema: string): Promise<AsteriskTables> {
  const rows = await runner.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = $1 AND table_name IN ('ps_contacts', 'ps_endpoints')`,
    [schema],
  );
  const has = (table: string, columns: string[]) => columns.every((column) => rows.some((r) => r.table_name === table && r.column_name === column));
  return { contacts: has("ps_contacts", ASTERISK_CONTACT_COLUMNS), endpoints: has("ps_endpoints", ASTERISK_ENDPOINT_COLUMNS) };
}

/** Decides the layout from the setting and what the database holds; a mismatch is a clear error. */
export function chooseLayout(settings: RealtimeSettings, found: AsteriskTables, where: string): StorageLayout {
  const present = found.contacts && found.endpoints;
  const schema = settings.asteriskSchema;
  if (settings.mode === "off") {
    if (found.contacts || found.endpoints) {
      throw new Error(
        `database ${where} holds Asterisk's PJSIP realtime tables in schema ${schema} (PJSIP_REALTIME=off): set PJSIP_REALTIME=auto or on to run next to them, or use a database of its own`,
      );
    }
    return STANDALONE;
  }
  if (present) return { kind: "asterisk-realtime", asteriskSchema: schema, serviceSchema: settings.serviceSchema };
  if (settings.mode === "on" || found.contacts || found.endpoints) {
    const missing = [found.contacts ? null : "ps_contacts", found.endpoints ? null : "ps_endpoints"].filter(Boolean).join(" and ");
    throw new Error(
      `database ${where}: PJSIP_REALTIME=${settings.mode} but schema ${schema} has no Asterisk ${missing} (create them with Asterisk's schema, e.g. contrib/ast-db-manage, or set PJSIP_REALTIME_SCHEMA)`,
    );
  }
  return STANDALONE;
}

/**
 * Idempotent, run after the service's migrations (in its own schema). Takes a short lock on Asterisk's
 * ps_contacts only when a column is missing (ADD COLUMN without default is a catalog change, no rewrite).
 */
export async function attachToAsteriskContacts(runner: SqlRunner, layout: Extract<StorageLayout, { kind: "asterisk-realtime" }>): Promise<void> {
  const asterisk = quoteIdentifier(layout.asteriskSchema);
  const service = quoteIdentifier(layout.serviceSchema);
  const existing = await runner.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'ps_contacts'`,
    [layout.asteriskSchema],
  );
  const have = new Set(existing.map((row) => row.column_name));
  const missing = ADDED_CONTACT_COLUMNS.filter(([name]) => !have.has(name));
  // Never wait long behind Asterisk's own transactions: fail the start (and retry) instead.
  if (missing.length > 0) {
    await runner.exec(
      `SET lock_timeout = '5s'; ALTER TABLE ${asterisk}.ps_contacts ${missing.map(([name, type]) => `ADD COLUMN IF NOT EXISTS ${name} ${type}`).join(", ")}; RESET lock_timeout`,
    );
  }
  // A contact AMI reported before Asterisk's row existed (the insert races the event) gets what the service
  // knows the moment the row is inserted. Any error is swallowed: Asterisk's insert must never fail.
  await runner.exec(`
    CREATE OR REPLACE FUNCTION ${service}.ps_contacts_fill_status() RETURNS trigger LANGUAGE plpgsql
    -- Runs as the service's database user (Asterisk's may not read the service's schema); every name is qualified.
    SECURITY DEFINER SET search_path = pg_catalog AS $fn$
    BEGIN
      BEGIN
        SELECT c.status, c.roundtrip_usec, c.user_id, c.updated_at
          INTO NEW.status, NEW.roundtrip_usec, NEW.user_id, NEW.updated_at
          FROM ${service}.ps_contacts c
         WHERE c.id = replace(replace(NEW.id, '^3B', ';'), '^5E', '^');
      EXCEPTION WHEN OTHERS THEN
        NULL;
      END;
      RETURN NEW;
    END
    $fn$`);
  const trigger = await runner.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname = $1 AND c.relname = 'ps_contacts' AND t.tgname = 'agent_availability_fill_status'`,
    [layout.asteriskSchema],
  );
  if (trigger[0]?.n === 0) {
    // Two instances starting at once: the second finds the trigger there, which is fine.
    await runner.exec(
      `SET lock_timeout = '5s';
       DO $do$ BEGIN
         CREATE TRIGGER agent_availability_fill_status BEFORE INSERT ON ${asterisk}.ps_contacts
           FOR EACH ROW EXECUTE FUNCTION ${service}.ps_contacts_fill_status();
       EXCEPTION WHEN duplicate_object THEN NULL;
       END $do$;
       RESET lock_timeout`,
    );
  }
}

/** `"Eria Motto" <1010>` → `Eria Motto`; `Eria Motto <1010>` → `Eria Motto`; `<1010>`, `1010` or empty → null. */
export function callerIdName(callerid: string | null): string | null {
  if (!callerid) return null;
  const text = callerid.trim();
  const bracket = text.lastIndexOf("<");
  const beforeNumber = (bracket >= 0 && text.endsWith(">") ? text.slice(0, bracket) : text).trim();
  const unquoted = beforeNumber.startsWith('"') && beforeNumber.endsWith('"') && beforeNumber.length >= 2 ? beforeNumber.slice(1, -1).trim() : beforeNumber;
  if (unquoted === "") return null;
  // Asterisk reads a callerid with no <number> that is all digits as the number, not a name.
  if (bracket < 0 && /^[0-9+*#]+$/.test(unquoted)) return null;
  return unquoted;
}
