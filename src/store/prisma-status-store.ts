// StatusStore on Prisma. The only file (with prisma/) that knows table and column names.
// Writes are set-based: one statement per batch whatever its size (endpoints, stale contacts and contacts
// through data-modifying CTEs), a transaction only when removals, a cluster fence or Asterisk's own
// tables add statements. Rows go as one JSON parameter (json_to_recordset): a dozen array parameters cost
// the driver an escaped array literal per column (a fifth of everything the service allocated while
// ingesting), and the JSON is one native JSON.stringify.
// Reads of some agents are one statement (endpoints with their contacts aggregated); every agent is read in
// keyset pages (load), and the CRM fields alone in one statement (loadCrmFields).
import { setImmediate as nextTurn } from "node:timers/promises";
import type { CrmFields, DirectoryUser, ExtensionWrite, StatusStore, StoredAgent } from "../domain/ports.ts";
import type { AgentState, Contact, ContactStatus, DeviceState, AgentStatus, Presence, QueueMembership, UnavailableReason } from "../domain/types.ts";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import { callerIdName, quoteIdentifier, STANDALONE, type StorageLayout } from "./asterisk-realtime.ts";

interface EndpointRow extends CrmRow {
  id: string;
  pbx: string | null;
  /** The endpoint's contacts as a JSON array of ContactRow (text, parsed here). */
  contacts: string;
  device_state: string | null;
  status: string;
  online: boolean;
  available: boolean;
  last_seen: Date | null;
  updated_at: Date;
  reasons: string[] | null;
  dnd: boolean;
  /** jsonb, as text (parsed here). */
  presence: string | null;
  queues: string;
}

interface ContactRow {
  id: string;
  uri: string;
  endpoint: string;
  status: string;
  expiration_time: bigint | null;
  user_agent: string | null;
  roundtrip_usec: number | null;
  via_addr: string | null;
  via_port: number | null;
  reg_server: string | null;
  call_id: string | null;
  qualify_frequency: number | null;
  qualify_timeout: number | null;
}

/** The user an extension belongs to: by users.extension, else by user_extensions (SQL fragment). */
const OWNER_OF = (extension: "c.e" | "e.id") =>
  Prisma.raw(`SELECT o.id, o.name FROM users o WHERE o.extension = ${extension}
              UNION ALL
              SELECT o.id, o.name FROM user_extensions x JOIN users o ON o.id = x.user_id WHERE x.extension = ${extension}
              LIMIT 1`);

export function createPrismaStatusStore(prisma: PrismaClient, layout: StorageLayout = STANDALONE): StatusStore {
  return new PrismaStatusStore(prisma, layout);
}

/**
 * The leadership a write is made under (several instances): the write's transaction first calls
 * cluster_fence, which refuses it once a newer leader of the PBX exists. "deposed": this instance knows it
 * no longer leads, so the write is dropped (the new leader's resync writes the truth).
 */
export type WriteFence = { pbx: string; epoch: number; /** A writer frozen inside its transaction holds the fence's row lock (and so a new leader's take-over) at most this long. */ maxIdleInTransactionMs?: number } | "deposed" | null;

export class FencedWriteError extends Error {
  override readonly name = "FencedWriteError";
}

export class PrismaStatusStore implements StatusStore {
  /** Writes dropped or refused because this instance no longer leads its PBX. */
  fencedWrites = 0;
  /** Asterisk's schema, quoted, next to its realtime tables; null standalone. */
  private readonly asterisk: Prisma.Sql | null;

  constructor(
    private readonly prisma: PrismaClient,
    layout: StorageLayout = STANDALONE,
    private readonly fence: () => WriteFence = () => null,
    /** The PBX of rows written before the column existed (the one PBX of earlier versions). */
    private readonly defaultPbx = "default",
  ) {
    this.asterisk = layout.kind === "asterisk-realtime" ? Prisma.raw(quoteIdentifier(layout.asteriskSchema)) : null;
  }

  /**
   * Several instances may write the same rows (a rolling update, a delayed link): a write never replaces a
   * newer state with an older one. Endpoints compare `updated_at` (when the state became true) in the
   * upsert's WHERE; contacts follow their endpoint's row only when this write's state is the one stored;
   * removals delete only a row older than the removal.
   */
  async writeExtensions(writes: readonly ExtensionWrite[]): Promise<void> {
    // Last state per extension wins, ordered by its last write (so a contact id claimed twice goes to the newest).
    const latest = new Map<string, ExtensionWrite>();
    for (const write of writes) {
      latest.delete(write.extension);
      latest.set(write.extension, write);
    }
    // In key order: two instances writing overlapping batches then lock rows in the same order (no deadlock).
    const ordered = [...latest.values()].sort((a, b) => (a.extension < b.extension ? -1 : a.extension > b.extension ? 1 : 0));
    const removed = ordered.filter((write) => write.state === null);
    const states = ordered.map((write) => write.state).filter((state): state is AgentState => state !== null);
    // A contact id claimed twice in one batch would make the upsert touch a row twice (an error in PostgreSQL);
    // the last write claiming it wins, so this goes in write order.
    const claimed = new Map<string, Contact & { endpoint: string; stateAt: number }>();
    for (const { state } of latest.values()) {
      if (state) for (const contact of state.contacts) claimed.set(contact.id, { ...contact, endpoint: state.extension, stateAt: state.updatedAt });
    }
    const contacts = [...claimed.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    const fence = this.fence();
    if (fence === "deposed") {
      this.fencedWrites += writes.length;
      return;
    }
    const statements = [];
    // First, so that a deposed leader's transaction writes nothing (cluster_fence raises).
    if (fence && (removed.length || states.length)) {
      // A leader frozen (SIGSTOP) between two statements would keep the share lock on its leader row, and
      // the next leader's epoch bump would wait for it: the server aborts such a transaction instead.
      if (fence.maxIdleInTransactionMs) statements.push(this.prisma.$executeRaw`SELECT set_config('idle_in_transaction_session_timeout', ${String(fence.maxIdleInTransactionMs)}, true)`);
      statements.push(this.prisma.$executeRaw`SELECT cluster_fence(${fence.pbx}, ${fence.epoch}::bigint)`);
    }
    // ON DELETE CASCADE removes their contacts.
    if (removed.length) statements.push(this.deleteEndpointsOlderThan(removed));
    if (states.length) statements.push(this.upsertStates(states, contacts));
    if (this.asterisk && states.length) statements.push(this.copyToAsteriskContacts(this.asterisk, states));
    if (statements.length === 0) return;
    try {
      // One statement is atomic by itself: no BEGIN and COMMIT round trips (each socket write wakes the
      // server; on this 2-core VM a transaction of 6 round trips cost ~4 ms of our CPU whatever its size).
      if (statements.length === 1) await statements[0];
      else await this.prisma.$transaction(statements);
    } catch (error) {
      if (fence && /fenced: PBX/.test(error instanceof Error ? error.message : String(error))) {
        this.fencedWrites += writes.length;
        throw new FencedWriteError(`not written: a newer leader of PBX ${fence.pbx} than epoch ${fence.epoch} exists`);
      }
      throw error;
    }
  }

  async loadAll(): Promise<StoredAgent[]> {
    return this.load(null);
  }

  async loadCrmFields(): Promise<Map<string, CrmFields>> {
    const rows = await this.prisma.$queryRaw<Array<{ id: string } & CrmRow>>`
      SELECT e.id, ${this.crmColumns()} FROM ps_endpoints e LEFT JOIN LATERAL (${OWNER_OF("e.id")}) u ON true`;
    const fields = new Map<string, CrmFields>();
    for (const row of rows) fields.set(row.id, crmFieldsOf(row));
    return fields;
  }

  async loadByExtensions(extensions: readonly string[]): Promise<Map<string, StoredAgent>> {
    if (extensions.length === 0) return new Map();
    const agents = await this.load([...new Set(extensions)]);
    return new Map(agents.map((agent) => [agent.extension, agent]));
  }

  async loadDirectory(): Promise<DirectoryUser[]> {
    const rows = await this.prisma.$queryRaw<Array<{ id: string; name: string; extensions: string[] }>>`
      SELECT u.id, u.name,
             array_remove(ARRAY[u.extension], NULL) ||
             COALESCE((SELECT array_agg(x.extension ORDER BY x.position, x.extension) FROM user_extensions x
                       WHERE x.user_id = u.id AND x.extension IS DISTINCT FROM u.extension), '{}') AS extensions
      FROM users u`;
    return rows.filter((row) => row.extensions.length > 0).map((row) => ({ userId: row.id, name: row.name, extensions: row.extensions }));
  }

  async loadEndpointNames(): Promise<Map<string, string>> {
    if (this.asterisk) {
      const rows = await this.prisma.$queryRaw<Array<{ id: string; callerid: string }>>`
        SELECT id, callerid FROM ${this.asterisk}.ps_endpoints WHERE callerid IS NOT NULL AND callerid <> ''`;
      const names = new Map<string, string>();
      for (const row of rows) {
        const name = callerIdName(row.callerid);
        if (name) names.set(row.id, name);
      }
      return names;
    }
    const rows = await this.prisma.$queryRaw<Array<{ id: string; name: string }>>`SELECT id, name FROM ps_endpoints WHERE name IS NOT NULL AND name <> ''`;
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }

  /**
   * The rows travel as JSON with one- or two-letter keys (named beside each statement): the JSON is
   * serialised and parsed several times on its way through Prisma (its batch, its query compiler, the
   * driver), so its size is most of a write's cost on our side.
   *
   * The states and their contacts in one statement. `stored` is the endpoints this write's state is now the
   * stored one of (inserted, or updated because not older than the row): their contacts become exactly these
   * (the others deleted, these upserted); an endpoint whose row is newer keeps its contacts. The deletion and
   * the upsert touch different contact ids (the upsert's are the batch's, the deletion's are not).
   */
  private upsertStates(states: AgentState[], contacts: Array<Contact & { endpoint: string; stateAt: number }>) {
    const endpointRows = states.map((s) => ({
      i: s.extension,
      p: s.pbx,
      d: s.deviceState,
      s: s.status,
      o: s.online,
      a: s.available,
      l: s.lastSeen,
      u: s.updatedAt,
      r: s.reasons,
      n: s.dnd,
      pr: s.presence,
      q: s.queues,
    }));
    const contactRows = contacts.map((c) => ({
      i: c.id,
      u: c.uri,
      e: c.endpoint,
      s: c.status,
      x: c.expirationTime,
      a: c.userAgent,
      r: c.roundtripUsec,
      va: c.viaAddr,
      vp: c.viaPort,
      rs: c.regServer,
      ci: c.callId,
      qf: c.qualifyFrequency,
      qt: c.qualifyTimeout,
      t: c.stateAt,
    }));
    return this.prisma.$executeRaw`
      WITH stored AS (
        INSERT INTO ps_endpoints (id, pbx, device_state, status, online, available, last_seen, updated_at, reasons, dnd, presence, queues)
        SELECT i, p, d, s, o, a, ${AT("l")}, ${AT("u")}, r, n, pr, q
        FROM json_to_recordset(${JSON.stringify(endpointRows)}::json)
          -- id, pbx, device_state, status, online, available, last_seen, updated_at (epoch ms), reasons, dnd, presence, queues
          AS w(i text, p text, d text, s text, o boolean, a boolean, l bigint, u bigint, r text[], n boolean, pr jsonb, q jsonb)
        ON CONFLICT (id) DO UPDATE SET
          pbx = EXCLUDED.pbx, device_state = EXCLUDED.device_state, status = EXCLUDED.status, online = EXCLUDED.online,
          available = EXCLUDED.available, last_seen = EXCLUDED.last_seen, updated_at = EXCLUDED.updated_at,
          reasons = EXCLUDED.reasons, dnd = EXCLUDED.dnd, presence = EXCLUDED.presence, queues = EXCLUDED.queues
        WHERE ps_endpoints.updated_at <= EXCLUDED.updated_at
        RETURNING id, updated_at
      ),
      c AS (
        SELECT * FROM json_to_recordset(${JSON.stringify(contactRows)}::json)
          -- id, uri, endpoint, status, expiration_time, user_agent, roundtrip_usec, via_addr, via_port, reg_server, call_id,
          -- qualify_frequency, qualify_timeout, the endpoint state's updated_at (epoch ms)
          AS c(i text, u text, e text, s text, x bigint, a text, r int, va text, vp int, rs text, ci text, qf int, qt float8, t bigint)
      ),
      gone AS (
        DELETE FROM ps_contacts old USING stored
        WHERE old.endpoint = stored.id AND old.id NOT IN (SELECT c.i FROM c)
      )
      INSERT INTO ps_contacts (id, uri, endpoint, status, expiration_time, user_id, user_agent, roundtrip_usec,
                               via_addr, via_port, reg_server, call_id, qualify_frequency, qualify_timeout, updated_at)
      SELECT c.i, c.u, c.e, c.s, c.x, o.id, c.a, c.r, c.va, c.vp, c.rs, c.ci, c.qf, c.qt, now()
      FROM c JOIN stored ON stored.id = c.e AND stored.updated_at = ${AT("c.t")}
      LEFT JOIN LATERAL (${OWNER_OF("c.e")}) o ON true
      ON CONFLICT (id) DO UPDATE SET
        uri = EXCLUDED.uri, endpoint = EXCLUDED.endpoint, status = EXCLUDED.status,
        expiration_time = EXCLUDED.expiration_time, user_id = EXCLUDED.user_id, user_agent = EXCLUDED.user_agent,
        roundtrip_usec = EXCLUDED.roundtrip_usec, via_addr = EXCLUDED.via_addr, via_port = EXCLUDED.via_port,
        reg_server = EXCLUDED.reg_server, call_id = EXCLUDED.call_id, qualify_frequency = EXCLUDED.qualify_frequency,
        qualify_timeout = EXCLUDED.qualify_timeout, updated_at = EXCLUDED.updated_at`;
  }

  private deleteEndpointsOlderThan(removed: ExtensionWrite[]) {
    const rows = removed.map((w) => ({ i: w.extension, t: w.at ?? Date.now() }));
    return this.prisma.$executeRaw`
      DELETE FROM ps_endpoints e
      USING json_to_recordset(${JSON.stringify(rows)}::json) AS r(i text, t bigint) -- id, removed at (epoch ms)
      WHERE e.id = r.i AND e.updated_at <= ${AT("r.t")}`;
  }

  /**
   * Next to Asterisk: its ps_contacts rows of the written extensions take the status the service holds (set
   * above, same transaction). Only UPDATE: a row Asterisk has not inserted yet gets it from the insert
   * trigger, a row it deleted stays deleted. A row the service has no contact for gets NULL (unknown).
   */
  private copyToAsteriskContacts(asterisk: Prisma.Sql, states: AgentState[]) {
    // Asterisk's ids are stored escaped (`1000^3B@…`); decoded, they are the service's (`1000;@…`, its primary key).
    return this.prisma.$executeRaw`
      UPDATE ${asterisk}.ps_contacts a
      SET status = c.status, roundtrip_usec = c.roundtrip_usec, user_id = c.user_id, updated_at = COALESCE(c.updated_at, now())
      FROM ${asterisk}.ps_contacts r
      LEFT JOIN ps_contacts c ON c.id = replace(replace(r.id, '^3B', ';'), '^5E', '^')
      WHERE r.endpoint = ANY(${states.map((s) => s.extension)}::text[]) AND a.id = r.id
        AND (a.status, a.roundtrip_usec, a.user_id) IS DISTINCT FROM (c.status, c.roundtrip_usec, c.user_id)`;
  }

  /**
   * Endpoints and their contacts; `extensions` null means all. All of them are read in pages of LOAD_PAGE
   * rows in id order (keyset), one statement each: the driver and Prisma turn a page's rows into objects
   * in one synchronous stretch (2,000 agents at once took 54-85 ms on a quiet machine, 24 ms of it in
   * PostgreSQL), which a query would wait behind. A page is consistent in itself; pages a few ms apart may
   * differ in what changed meanwhile, as any two reads do.
   */
  private async load(extensions: string[] | null): Promise<StoredAgent[]> {
    if (extensions !== null) return this.mapRows(await this.selectEndpoints(Prisma.sql`e.id = ANY(${extensions}::text[])`, null));
    const agents: StoredAgent[] = [];
    for (let after: string | null = null; ; ) {
      const page = await this.selectEndpoints(after === null ? Prisma.sql`true` : Prisma.sql`e.id > ${after}`, LOAD_PAGE);
      agents.push(...(await this.mapRows(page)));
      if (page.length < LOAD_PAGE) return agents;
      after = page[page.length - 1]!.id;
    }
  }

  private selectEndpoints(where: Prisma.Sql, limit: number | null): Promise<EndpointRow[]> {
    return this.prisma.$queryRaw<EndpointRow[]>`
      SELECT e.id, e.pbx, ${this.crmColumns()}, e.device_state, e.status, e.online,
             e.available, e.last_seen, e.updated_at, e.reasons, e.dnd, e.presence::text AS presence, e.queues::text AS queues,
             COALESCE((SELECT json_agg(json_build_object(
                         'id', c.id, 'uri', c.uri, 'endpoint', c.endpoint, 'status', c.status,
                         'expiration_time', c.expiration_time, 'user_agent', c.user_agent,
                         'roundtrip_usec', c.roundtrip_usec, 'via_addr', c.via_addr, 'via_port', c.via_port,
                         'reg_server', c.reg_server, 'call_id', c.call_id, 'qualify_frequency', c.qualify_frequency,
                         'qualify_timeout', c.qualify_timeout) ORDER BY c.id)
                       FROM ps_contacts c WHERE c.endpoint = e.id), '[]')::text AS contacts
      FROM ps_endpoints e LEFT JOIN LATERAL (${OWNER_OF("e.id")}) u ON true
      WHERE ${where}
      ORDER BY e.id
      ${limit === null ? Prisma.empty : Prisma.sql`LIMIT ${limit}`}`;
  }

  /** Rows to agents in slices, a turn apart (JSON of contacts, queues, presence per row): many rows
   * must not hold the event loop (queries, AMI) for tens of ms. */
  private async mapRows(rows: EndpointRow[]): Promise<StoredAgent[]> {
    const agents: StoredAgent[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % MAP_SLICE === 0) await nextTurn();
      const row = rows[i]!;
      agents.push(toStoredAgent(row, (JSON.parse(row.contacts) as ContactJson[]).map(toContact), this.defaultPbx));
    }
    return agents;
  }

  /** An endpoint's CRM columns (CrmRow), with `u` its owner (OWNER_OF) joined laterally. */
  private crmColumns(): Prisma.Sql {
    return Prisma.sql`COALESCE(u.name, e.name) AS name, u.id AS user_id, ${this.callerIdColumn()} AS callerid`;
  }

  /** Next to Asterisk, an agent with no CRM user is named by its endpoint's CallerID (`"Eria Motto" <1010>`). */
  private callerIdColumn(): Prisma.Sql {
    return this.asterisk ? Prisma.sql`(SELECT a.callerid FROM ${this.asterisk}.ps_endpoints a WHERE a.id = e.id)` : Prisma.sql`NULL::text`;
  }
}

/** Rows mapped per event-loop turn when loading. */
const MAP_SLICE = 250;
/** Rows per statement when loading every agent. */
const LOAD_PAGE = 250;

/** A ContactRow as json_build_object renders it: bigint as a JSON number. */
type ContactJson = Omit<ContactRow, "expiration_time"> & { expiration_time: number | null };

/** The CRM columns of an endpoint row (crmColumns). */
interface CrmRow {
  name: string | null;
  user_id: string | null;
  /** Asterisk's ps_endpoints.callerid (realtime only; NULL otherwise). */
  callerid: string | null;
}

/** An agent's name: its user's, else the endpoint's own, else (next to Asterisk) its CallerID's. */
function crmFieldsOf(row: CrmRow): CrmFields {
  return { name: row.name ?? callerIdName(row.callerid), userId: row.user_id };
}

function toStoredAgent(row: EndpointRow, contacts: Contact[], defaultPbx: string): StoredAgent {
  return {
    extension: row.id,
    pbx: row.pbx ?? defaultPbx,
    ...crmFieldsOf(row),
    status: row.status as AgentStatus,
    online: row.online,
    available: row.available,
    stale: false, // decided by the reader
    deviceState: row.device_state as DeviceState | null,
    contacts,
    lastSeen: row.last_seen?.getTime() ?? null,
    updatedAt: row.updated_at.getTime(),
    reasons: (row.reasons ?? []) as UnavailableReason[],
    dnd: row.dnd,
    presence: row.presence === null ? null : (JSON.parse(row.presence) as Presence),
    queues: JSON.parse(row.queues) as QueueMembership[],
  };
}

function toContact(row: ContactJson): Contact {
  return {
    id: row.id,
    uri: row.uri,
    // Not stored: Asterisk's contact id starts with its AOR (`<aor>;@<hash>`); otherwise AOR = endpoint (1:1 setup).
    aor: row.id.includes(";@") ? row.id.slice(0, row.id.indexOf(";@")) : row.endpoint,
    status: row.status as ContactStatus,
    roundtripUsec: row.roundtrip_usec,
    userAgent: row.user_agent,
    expirationTime: row.expiration_time === null ? null : Number(row.expiration_time),
    viaAddr: row.via_addr,
    viaPort: row.via_port,
    regServer: row.reg_server,
    callId: row.call_id,
    qualifyFrequency: row.qualify_frequency,
    qualifyTimeout: row.qualify_timeout,
  };
}

/** An epoch-ms column of a json_to_recordset row as timestamptz (exact: integer milliseconds; NULL stays NULL). */
function AT(column: string): Prisma.Sql {
  return Prisma.raw(`(TIMESTAMPTZ 'epoch' + ${column} * INTERVAL '1 millisecond')`);
}
