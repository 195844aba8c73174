// The service against a real Asterisk 22 (asterisk-lab), as a child process, checked only through
// GraphQL over HTTP, REST probes, a graphql-ws subscriber and its log file (issue 3, section 1).
//
// One main service (PostgreSQL) with one subscriber that stays connected from the first case to the
// last; the cases run in order and use their own extensions. The 90 s contact-expiry case starts first
// and is checked late, so its wait overlaps the other cases. Other services: PGlite (service restart),
// and one with a wrong AMI secret.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestPostgres, type TestDatabase } from "../helpers/databases.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { AsteriskDriver, LAB_ENV } from "../scenarios/asterisk-driver.ts";
import { waitForAgreement } from "../scenarios/pbx-agreement.ts";
import { parityCases } from "../scenarios/parity-cases.ts";
import { registerBecomesAvailable } from "../scenarios/register.ts";
import { watchContactGone, type ContactWatch } from "../scenarios/contact-watch.ts";
import { MAX_LATENCY_MS, pbxReportTime, type ScenarioContext } from "../scenarios/scenario-context.ts";
import { FAST_AMI_ENV, ServiceProcess } from "../scenarios/service-process.ts";
import { waitForStreamAgreement } from "../scenarios/stream-agreement.ts";
import type { SubscriptionRecorder } from "../scenarios/subscription-recorder.ts";
import { printLatencies } from "../scenarios/latency-report.ts";
import { seriousLogLines } from "../scenarios/service-log.ts";
import { wholeRunStreamIsSound } from "../scenarios/whole-run-stream.ts";

const WRONG_SECRET = "rotated-secret";

let pbx: AsteriskDriver;
let pg: TestDatabase;
let service: ServiceProcess;
let stream: SubscriptionRecorder;
let ctx: ScenarioContext;
const latencies = new Map<string, number>();
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  pbx = await AsteriskDriver.start({ env: LAB_ENV });
  pg = await createTestPostgres();
  service = await ServiceProcess.start({ name: "main-postgres", ami: pbx.ami(), database: { kind: "postgres", url: pg.url! }, env: FAST_AMI_ENV });
  await service.waitSynced();
  stream = service.subscribe();
  await stream.waitUntil((agents) => agents.size === 20, { timeoutMs: 5_000, message: "the snapshot of the lab's 20 endpoints" });
  ctx = { pbx, service, stream, latencies };
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
  if (service) expect((await service.stop()).code, "main service exit code").toBe(0);
  await pg?.drop();
  await pbx?.close();
  printLatencies(latencies);
});

describe("real Asterisk 22", () => {
  let expiry: { since: number; mark: number; watch: ContactWatch } | undefined;

  test("contact expiry, part 1: a phone with Expires 60 goes silent (checked when Asterisk removes it, 60-90 s later)", async () => {
    await pbx.register("1019", { expiresSeconds: 60 });
    const since = Date.now();
    await pbx.goUnreachable("1019");
    // Asterisk sweeps expired contacts about every 30 s: gone 60-90 s after registering.
    expiry = { since, mark: stream.mark(), watch: watchContactGone(pbx, "1019", { timeoutMs: 150_000 }) };
    cleanups.push(async () => expiry?.watch.stop());
  });

  // register, call, silent phone, unregister, core restart: shared with the simulator parity suite.
  parityCases(() => ctx);

  let lateJoiner: SubscriptionRecorder | undefined;

  test("AMI frozen (SIGSTOP) → disconnected, agents stale and not available; recovers on SIGCONT", async () => {
    const before = await service.agents();
    const mark = stream.mark();
    await pbx.freeze();
    const frozenAt = Date.now();
    try {
      const status = await service.waitFor(async () => {
        const s = await service.amiStatus();
        return s.connected ? null : s;
      }, 15_000, "AMI reported disconnected while Asterisk is frozen");
      latencies.set("asterisk frozen → amiStatus.connected false", Date.now() - frozenAt);
      expect(status.synced).toBe(false);
      const during = await service.agents();
      expect(during.filter((a) => !a.stale || a.available).map((a) => a.extension), "agents not stale or still available").toEqual([]);
      // Last known statuses are kept, only flagged.
      expect(during.map((a) => [a.extension, a.status])).toEqual(before.map((a) => [a.extension, a.status]));
      const ready = await service.get("/readyz");
      expect(ready.status).toBe(503);
      // Every agent the stream showed available was told it is not any more.
      const wasAvailable = before.filter((a) => a.available).map((a) => a.extension);
      await stream.waitUntil((agents) => wasAvailable.every((ext) => agents.get(ext)?.available === false && agents.get(ext)?.stale === true), {
        timeoutMs: 2_000,
        message: "stale deltas for every available agent",
      });
      expect(stream.deltasSince(mark).length).toBeGreaterThanOrEqual(wasAvailable.length);
      lateJoiner = service.subscribe();
      await lateJoiner.waitUntil((agents) => agents.size === 20, { timeoutMs: 5_000, message: "a snapshot during the outage" });
    } finally {
      await pbx.thaw();
    }
    const thawedAt = Date.now();
    await service.waitSynced(20_000);
    latencies.set("asterisk thawed → synced again", Date.now() - thawedAt);
    await waitForAgreement(service, pbx, { timeoutMs: 10_000 });
    await waitForStreamAgreement(stream, service);
    expect(service.logs(), "the log says why the session was dropped").toMatch(/AMI connection to [^ ]+ lost: no answer to Ping/);
  });

  // When AMI comes back every agent's `stale` flag moves, so every agent gets a delta: a subscriber
  // that joined during the outage ends equal to a fresh query (OFFLINE and UNREACHABLE agents too).
  test("a subscriber that joined during the outage ends equal to a fresh query", async () => {
    expect(lateJoiner, "joined during the freeze").toBeDefined();
    await waitForStreamAgreement(lateJoiner!, service);
  });

  // Two cold starts of a PGlite service: on this 2-core machine one start took 17-36 s (WASM
  // PostgreSQL), so the default 60 s timed out on main too.
  test("service restarted (PGlite) while phones stay registered → persisted state at once (stale), then equal to Asterisk", { timeout: 150_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "aa-pglite-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const ami = pbx.ami();
    // AMI through a proxy, so the restarted service can be held before its resync for a moment.
    const proxy: TcpProxy = await startTcpProxy({ host: ami.host, port: ami.port });
    cleanups.push(() => proxy.close());
    const first = await ServiceProcess.start({ name: "pglite", ami: { ...ami, port: proxy.port }, database: { kind: "pglite", dataDir }, env: FAST_AMI_ENV });
    cleanups.push(() => first.kill());
    await first.waitSynced(30_000);
    await pbx.register("1005");
    await pbx.register("1006");
    await first.waitFor(async () => {
      const agents = await first.agents();
      return ["1005", "1006"].every((ext) => agents.find((a) => a.extension === ext)?.status === "AVAILABLE");
    }, 5_000, "1005 and 1006 AVAILABLE");
    await waitForAgreement(first, pbx, { timeoutMs: 5_000 });
    const beforeStop = await first.agents();
    expect((await first.stop()).code, "exit code after SIGTERM").toBe(0);

    await proxy.cut();
    await pbx.unregister("1006"); // while the service is down
    const restartedAt = Date.now();
    const second = await first.restart();
    cleanups.push(() => second.kill());
    const served = await second.agents();
    latencies.set("service restart: spawn → persisted state served (incl. process start)", Date.now() - restartedAt);
    expect((await second.amiStatus()).synced, "still before the first resync").toBe(false);
    expect(served.map((a) => [a.extension, a.status, a.online])).toEqual(beforeStop.map((a) => [a.extension, a.status, a.online]));
    expect(served.every((a) => a.stale && !a.available), "persisted state is served stale and never available").toBe(true);
    expect(served.find((a) => a.extension === "1006")?.status, "1006 as persisted").toBe("AVAILABLE");

    await proxy.restore();
    await second.waitSynced(20_000);
    const { served: after } = await waitForAgreement(second, pbx, { timeoutMs: 10_000 });
    expect(after.find((a) => a.extension === "1006")).toMatchObject({ status: "OFFLINE", stale: false, contacts: [] });
    expect(after.find((a) => a.extension === "1005")).toMatchObject({ status: "AVAILABLE", available: true, stale: false });
    expect((await second.stop()).code).toBe(0);
  });

  let wrongSecretService: ServiceProcess | undefined;

  test("wrong AMI secret → a clear error in the log, /readyz 503 with the reason, no crash", async () => {
    const database = await createTestPostgres();
    cleanups.push(() => database.drop());
    const broken = await ServiceProcess.start({
      name: "wrong-secret",
      ami: { ...pbx.ami(), secret: WRONG_SECRET },
      database: { kind: "postgres", url: database.url! },
      env: FAST_AMI_ENV,
    });
    wrongSecretService = broken;
    cleanups.push(() => broken.kill());
    // Asterisk answers a bad login after 1 s; wait for the retry too (it keeps trying, it does not die).
    await broken.waitFor(async () => (broken.logs().match(/Authentication failed/g)?.length ?? 0) >= 2, 15_000, "two failed logins in the log");
    const line = broken.logLines().find((l) => String(l.msg).includes("Authentication failed"));
    expect(line?.level).toBe("error");
    expect(String(line?.msg)).toContain('user "crm"');
    expect(broken.logs()).not.toContain(WRONG_SECRET);
    const ready = await broken.get("/readyz");
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.body)).toMatch(/Authentication failed/);
    expect((await broken.get("/healthz")).status).toBe(200);
    expect(await broken.amiStatus()).toMatchObject({ connected: false, synced: false });
    expect(broken.alive).toBe(true);
  });

  test("contact expiry, part 2: expired without unregister → OFFLINE", { timeout: 180_000 }, async () => {
    expect(expiry, "part 1 ran").toBeDefined();
    const polledAt = await expiry!.watch.goneAt;
    const { at: goneAt, exact } = await pbxReportTime(pbx, "1019", "gone", expiry!.since, polledAt);
    latencies.set("expiry: register → Asterisk removed the contact", goneAt - expiry!.since);
    const seen = await stream.nextDelta((d) => d.extension === "1019" && d.status === "OFFLINE", {
      after: expiry!.mark,
      timeoutMs: Math.max(0, goneAt + MAX_LATENCY_MS - Date.now()),
      message: "1019 OFFLINE after expiry",
    });
    latencies.set(`asterisk expiry 1019 → OFFLINE${exact ? "" : " (from our poll)"}`, seen.receivedAt - goneAt);
    expect(seen.receivedAt - goneAt).toBeLessThanOrEqual(MAX_LATENCY_MS);
    expect(await service.agent("1019")).toMatchObject({ status: "OFFLINE", contacts: [] });
  });

  test("AMI killed (lab stop) → disconnected, stale; recovers when Asterisk is back", async () => {
    await pbx.kill();
    const killedAt = Date.now();
    await service.waitFor(async () => !(await service.amiStatus()).connected, 10_000, "AMI reported disconnected");
    latencies.set("asterisk stopped → amiStatus.connected false", Date.now() - killedAt);
    const during = await service.agents();
    expect(during.filter((a) => !a.stale || a.available).map((a) => a.extension)).toEqual([]);
    expect((await service.get("/readyz")).status).toBe(503);

    await pbx.startPbx();
    const startedAt = Date.now();
    await service.waitSynced(20_000);
    latencies.set("asterisk started → synced again", Date.now() - startedAt);
    // A fresh lab has no contacts: everything must be OFFLINE, nothing stale.
    const { served } = await waitForAgreement(service, pbx, { timeoutMs: 10_000 });
    expect(served.filter((a) => a.status !== "OFFLINE")).toEqual([]);
    await registerBecomesAvailable(ctx, "1007");
    await waitForStreamAgreement(stream, service);
  });

  test("the subscriber connected since the start: no gap, duplicate or reordering; final state equals a fresh query and the CLI", async () => {
    await wholeRunStreamIsSound(ctx);
    expect(seriousLogLines(service)).toEqual([]);
  });

  test("wrong AMI secret, fixed on the PBX side → the same process recovers", async () => {
    const broken = wrongSecretService;
    expect(broken?.alive, "the wrong-secret service is still running").toBe(true);
    await pbx.kill();
    await pbx.startPbx({ LAB_AMI_SECRET: WRONG_SECRET }); // the operator aligns manager.conf with the service
    const fixedAt = Date.now();
    await broken!.waitSynced(20_000);
    latencies.set("secret fixed → synced", Date.now() - fixedAt);
    expect((await broken!.get("/readyz")).status).toBe(200);
    await waitForAgreement(broken!, pbx, { timeoutMs: 5_000 });
    await pbx.register("1008");
    await broken!.waitFor(async () => (await broken!.agent("1008"))?.status === "AVAILABLE", MAX_LATENCY_MS, "1008 AVAILABLE");
    expect((await broken!.stop()).code).toBe(0);
  });
});
