// The service next to Asterisk's own PJSIP realtime tables (issue 8): the lab started with
// LAB_REALTIME_DB keeps its endpoints, AORs, auths and contacts in a PostgreSQL database, and the service
// (PJSIP_REALTIME=on) runs on that same database. Asterisk inserts a ps_contacts row on REGISTER and deletes
// it on unregister or expiry; the service only keeps the status of those rows.
//
// After every step: the phone got its 200 OK (the lab's `register` checks it), ps_contacts holds exactly
// the contacts of `pjsip show contacts` with their status, the API agrees with the CLI, and an audit
// trigger shows that every INSERT into ps_contacts came from Asterisk, never from the service.
// The lab is left in its normal (file) configuration at the end, for the suites that follow.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { adminQuery, ADMIN_POSTGRES_URL, withDatabase } from "../helpers/databases.ts";
import { AsteriskDriver, LAB_ENV } from "../scenarios/asterisk-driver.ts";
import { asteriskLogTime, startLab, stopLab } from "../scenarios/asterisk-lab.ts";
import { eventually } from "../scenarios/eventually.ts";
import { waitForAgreement } from "../scenarios/pbx-agreement.ts";
import { FAST_AMI_ENV, ServiceProcess } from "../scenarios/service-process.ts";

const SERVICE_APPLICATION = "agent-availability";

let pbx: AsteriskDriver;
let service: ServiceProcess;
let sql: pg.Client;
let databaseName: string;
let url: string;
const suiteStartedAt = Date.now();

interface RowView {
  id: string;
  uri: string;
  endpoint: string;
  status: string | null;
}

async function contactRows(): Promise<RowView[]> {
  const { rows } = await sql.query<RowView>(`SELECT id, uri, endpoint, status FROM public.ps_contacts ORDER BY id`);
  return rows;
}

/** ps_contacts equals `pjsip show contacts` (uri, endpoint, status), and the API serves the same contacts with the same ids. */
async function rowsAgreeWithAsterisk(timeoutMs = 15_000): Promise<RowView[]> {
  let last = "";
  await eventually(
    async () => {
      const before = (await pbx.contacts()).map((c) => `${c.extension} ${c.uri} ${c.status}`).sort();
      const rows = (await contactRows()).map((r) => `${r.endpoint} ${r.uri} ${r.status}`).sort();
      const after = (await pbx.contacts()).map((c) => `${c.extension} ${c.uri} ${c.status}`).sort();
      last = `ps_contacts [${rows.join(", ")}], pjsip show contacts [${after.join(", ")}]`;
      return before.join() === after.join() && rows.join() === after.join();
    },
    { timeoutMs, intervalMs: 200, message: "ps_contacts equal to Asterisk's contacts, with their status" },
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${last}`);
  });
  const rows = await contactRows();
  const served = (await service.agents()).flatMap((a) => a.contacts.map((c) => c.id)).sort();
  // Asterisk stores `1000;@<md5>` as `1000^3B@<md5>`; the API serves AMI's spelling.
  expect(rows.map((r) => r.id.replaceAll("^3B", ";")).sort()).toEqual(served);
  return rows;
}

async function allAgree(): Promise<void> {
  await waitForAgreement(service, pbx, { timeoutMs: 15_000 });
  await rowsAgreeWithAsterisk();
}

async function inserts(): Promise<Array<{ id: string; app: string }>> {
  const { rows } = await sql.query<{ id: string; app: string }>(`SELECT id, app FROM public.contact_audit WHERE op = 'INSERT' ORDER BY at`);
  return rows;
}

beforeAll(async () => {
  databaseName = `asterisk_rt_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await adminQuery(`CREATE DATABASE "${databaseName}"`);
  url = withDatabase(ADMIN_POSTGRES_URL, databaseName);
  // `start` creates Asterisk's realtime schema and the lab's endpoints in that database.
  pbx = await AsteriskDriver.start({ env: { ...LAB_ENV, LAB_REALTIME_DB: url } });
  sql = new pg.Client({ connectionString: url, application_name: "realtime-test" });
  await sql.connect();
  // Who inserted, updated and deleted each ps_contacts row (by application_name: the service names its connections).
  await sql.query(`
    CREATE TABLE public.contact_audit (op text, id text, app text, at timestamptz DEFAULT clock_timestamp());
    CREATE FUNCTION public.contact_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO public.contact_audit (op, id, app) VALUES (TG_OP, COALESCE(NEW.id, OLD.id), current_setting('application_name'));
      RETURN NULL;
    END $$;
    CREATE TRIGGER contact_audit AFTER INSERT OR UPDATE OR DELETE ON public.ps_contacts FOR EACH ROW EXECUTE FUNCTION public.contact_audit();`);
  service = await ServiceProcess.start({ name: "realtime", ami: pbx.ami(), database: { kind: "postgres", url }, env: { ...FAST_AMI_ENV, PJSIP_REALTIME: "on", REFRESH_MIN_INTERVAL_MS: "0" } });
  await service.waitSynced();
}, 180_000);

afterAll(async () => {
  if (service?.alive) expect((await service.stop()).code, "service exit code").toBe(0);
  await sql?.end().catch(() => undefined);
  await pbx?.close();
  // Leave the lab in its normal configuration (files, no database) for the suites that follow.
  await startLab(LAB_ENV);
  await stopLab(LAB_ENV);
  if (databaseName) await adminQuery(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
}, 180_000);

describe("next to Asterisk's PJSIP realtime tables", () => {
  let expiry: { since: number } | undefined;

  test("the mode is shown in amiStatus and /readyz; the service's tables are in their own schema; names come from ps_endpoints.callerid", async () => {
    expect((await service.query<{ amiStatus: { databaseMode: string } }>(`{ amiStatus { databaseMode } }`)).amiStatus.databaseMode).toBe("ASTERISK_REALTIME");
    const ready = await service.get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ databaseMode: "ASTERISK_REALTIME" });
    const ours = await sql.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'agent_availability' ORDER BY table_name`);
    expect(ours.rows.map((r) => r.table_name)).toEqual(["_prisma_migrations", "cluster_leaders", "ps_contacts", "ps_endpoints", "revoked_credentials", "user_extensions", "users"]);
    // The lab's endpoints say callerid "Lab N" <N>.
    await service.waitFor(
      async () => {
        const { agents } = await service.query<{ agents: Array<{ extension: string; name: string | null }> }>(`{ agents { extension name } }`);
        return agents.length === 20 && agents.every((a) => a.name === `Lab ${a.extension}`);
      },
      10_000,
      "every lab endpoint named by its CallerID",
    );
    await allAgree();
  });

  test("expiry, part 1: a phone with Expires 60 goes silent (checked when Asterisk deletes its row, 60-90 s later)", async () => {
    await pbx.register("1019", { expiresSeconds: 60 });
    expiry = { since: Date.now() };
    await pbx.goUnreachable("1019");
  });

  test("register: Asterisk's row gets Reachable; the row was inserted by Asterisk", async () => {
    await pbx.register("1000");
    await pbx.register("1001");
    const rows = await rowsAgreeWithAsterisk();
    expect(rows.filter((r) => ["1000", "1001"].includes(r.endpoint)).map((r) => [r.endpoint, r.status])).toEqual([
      ["1000", "Reachable"],
      ["1001", "Reachable"],
    ]);
    await allAgree();
    const inserted = await inserts();
    expect(inserted.filter((i) => i.id.startsWith("1000^3B") || i.id.startsWith("1001^3B")).length).toBeGreaterThanOrEqual(2);
    expect(inserted.filter((i) => i.app === SERVICE_APPLICATION)).toEqual([]);
  });

  test("a phone that goes silent: its row turns Unreachable with Asterisk", async () => {
    await pbx.goUnreachable("1001");
    await eventually(async () => (await pbx.contacts()).some((c) => c.extension === "1001" && c.status === "Unreachable"), {
      timeoutMs: 15_000,
      intervalMs: 200,
      message: "Asterisk says 1001 Unreachable",
    });
    const rows = await rowsAgreeWithAsterisk();
    expect(rows.find((r) => r.endpoint === "1001")?.status).toBe("Unreachable");
    await allAgree();
  });

  test("unregister: Asterisk deletes the row and the service does not bring it back", async () => {
    await pbx.unregister("1000");
    await allAgree();
    expect((await contactRows()).some((r) => r.endpoint === "1000")).toBe(false);
    expect((await service.agent("1000"))?.status).toBe("OFFLINE");
    // Several flushes later it is still gone.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await contactRows()).some((r) => r.endpoint === "1000")).toBe(false);
  });

  test("Asterisk restart (core restart now): contacts kept in the database, statuses right again after the resync", async () => {
    await pbx.register("1002");
    await allAgree();
    await pbx.restart();
    await service.waitSynced(30_000);
    await allAgree();
  });

  test("service restart: a phone registered while the service was down gets its status at the resync", async () => {
    expect((await service.stop()).code).toBe(0);
    await pbx.register("1003");
    // Asterisk inserted the row; nobody has set its status yet.
    await eventually(async () => (await contactRows()).some((r) => r.endpoint === "1003"), { timeoutMs: 5_000, intervalMs: 100, message: "1003's row" });
    expect((await contactRows()).find((r) => r.endpoint === "1003")?.status).toBeNull();
    service = await service.restart();
    await service.waitSynced(30_000);
    await allAgree();
    expect((await contactRows()).find((r) => r.endpoint === "1003")?.status).toBe("Reachable");
  });

  test("an endpoint inserted into ps_endpoints by SQL appears after refreshStatuses, with its CallerID name; deleted, it goes", async () => {
    await sql.query(`
      INSERT INTO public.ps_aors (id, max_contacts, remove_existing, qualify_frequency) VALUES ('1050', 1, 'yes', 5);
      INSERT INTO public.ps_auths (id, auth_type, username, password) VALUES ('1050', 'userpass', '1050', 'secret1050');
      INSERT INTO public.ps_endpoints (id, transport, aors, auth, context, disallow, allow, callerid)
        VALUES ('1050', 'transport-udp', '1050', '1050', 'lab', 'all', 'ulaw,alaw', '"Eria Motto" <1050>');`);
    const refresh = `mutation { refreshStatuses { agents } }`;
    await service.query(refresh);
    let seen: unknown = "nothing";
    const named = await service
      .waitFor(
        async () => {
          const { agents } = await service.query<{ agents: Array<{ extension: string; name: string | null; status: string }> }>(`{ agents { extension name status } }`);
          seen = agents.find((a) => a.extension === "1050") ?? `not served (${agents.length} agents)`;
          return agents.find((a) => a.extension === "1050" && a.name === "Eria Motto");
        },
        10_000,
        "1050 served, named Eria Motto",
      )
      .catch((error: Error) => {
        throw new Error(`${error.message}; last seen: ${JSON.stringify(seen)}`);
      });
    expect(named.status).toBe("OFFLINE");
    await allAgree();

    await sql.query(`DELETE FROM public.ps_endpoints WHERE id = '1050'; DELETE FROM public.ps_aors WHERE id = '1050'; DELETE FROM public.ps_auths WHERE id = '1050';`);
    // (REFRESH_MIN_INTERVAL_MS=0 for this suite: two resyncs seconds apart are the point here; the limit has its own test.)
    await service.query(refresh);
    await service.waitFor(async () => !(await service.agents()).some((a) => a.extension === "1050"), 10_000, "1050 gone");
    await allAgree();
  });

  test("expiry, part 2: Asterisk deletes the expired row; the service shows 1019 OFFLINE and leaves the row deleted", { timeout: 150_000 }, async () => {
    expect(expiry).toBeDefined();
    await eventually(async () => !(await contactRows()).some((r) => r.endpoint === "1019"), {
      timeoutMs: 130_000,
      intervalMs: 500,
      message: "Asterisk deleted 1019's expired row",
    });
    await service.waitFor(async () => (await service.agent("1019"))?.status === "OFFLINE", 10_000, "1019 OFFLINE");
    await allAgree();
  });

  test("the whole run: every contact row was inserted by Asterisk, none by the service; Asterisk never failed to bind a contact", async () => {
    const all = await inserts();
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.filter((i) => i.app === SERVICE_APPLICATION)).toEqual([]);
    const serviceWrites = await sql.query<{ op: string; n: number }>(`SELECT op, count(*)::int AS n FROM public.contact_audit WHERE app = $1 GROUP BY op ORDER BY op`, [SERVICE_APPLICATION]);
    // The service only updates Asterisk's rows.
    expect(serviceWrites.rows.map((r) => r.op)).toEqual(["UPDATE"]);
    expect(await asteriskLogTime(/Unable to bind contact/, suiteStartedAt)).toBeNull();
  });
});
