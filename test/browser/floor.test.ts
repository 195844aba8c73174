// In headless Chromium, against the real service (a child process, as `npm start` runs it), the AMI
// simulator over TCP with the demo's 50 named people, and PostgreSQL:
// - the wallboard at `/`: tiles with names, counts, search, the transfer dialog (refusal reason),
//   screenshots at 1280×720 and on a phone;
// - a CRM page on another origin, once with Apollo Client (defaults) and once with urql + graphcache
//   (no config): their cached `agents` lists follow the deltas by normalisation and stay equal to the
//   server while the simulator generates events; their transfer dialogs work over CORS;
// - the service restarted under all three pages: "reconnecting", a close code (never 1006), a new
//   epoch's snapshot, and in the end every page equal to the server again.
import { copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { demoUsers, seedDemoUsers } from "../../src/demo-users.ts";
import { parseSimulatorArgs } from "../../src/simulator/cli-args.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { createTestPostgres, type TestDatabase } from "../helpers/databases.ts";
import { FAST_AMI_ENV, ServiceProcess } from "../scenarios/service-process.ts";
import { buildCrmPage, ensureWallboardBuilt } from "./helpers/build.ts";
import { launchChromium, type Browser } from "./helpers/chromium.ts";
import { serveDirectory } from "./helpers/static-server.ts";

const REPO = resolve(import.meta.dirname, "../..");
const ARTIFACTS = join(REPO, "test-artifacts");
const EXTENSIONS = 52; // 50 people, two with a softphone
const PEOPLE = 50;
/** How long a page may take to show what is expected: generous, the machine's 2 cores are shared. */
const PATIENCE = 30_000;

interface Row {
  id: string;
  status: string;
  available: boolean;
  reasons: string[];
  dnd: boolean;
}

let sim: Simulator;
let db: TestDatabase;
let svc: ServiceProcess;
let crm: { origin: string; close(): Promise<void> };
let browser: Browser;
const consoleProblems: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [pageDir] = (await Promise.all([buildCrmPage(), ensureWallboardBuilt()])) as [string, void];
  crm = await serveDirectory(pageDir);
  // The demo's floor (queues support and sales, DND, presence, pauses, wrap-ups), with shorter calls.
  const demo = parseSimulatorArgs(["--agents", String(EXTENSIONS), "--seed", "11", "--rate", "0"], { port: 0, rate: 0 }).options;
  sim = await startSimulator({ ...demo, qualifyDelayMs: 800, callTiming: { ringMs: [200, 1_200], talkMs: [800, 4_000] } });
  const wrapUps = (demo.queues ?? []).map((q) => `${q.name}=${q.wrapupSeconds ?? 5}`).join(",");
  db = await createTestPostgres();
  await seedDemoUsers(db.db.prisma, demoUsers(EXTENSIONS));
  svc = await ServiceProcess.start({
    name: "browser-suite",
    ami: { host: sim.host, port: sim.port, username: "crm", secret: "crmsecret" },
    database: { kind: "postgres", url: db.url! },
    env: { ...FAST_AMI_ENV, CORS_ORIGINS: crm.origin, LOG_LEVEL: "info", QUEUE_WRAPUP_SECONDS: wrapUps, QUEUE_SHARED_LASTCALL: "true" },
  });
  await svc.waitSynced();
  browser = await launchChromium();
});

afterAll(async () => {
  sim?.setEventRate(0);
  await browser?.close();
  await svc?.stop().catch(() => undefined);
  await sim?.close();
  await crm?.close();
  await db?.drop();
});

async function serverRows(): Promise<Row[]> {
  const data = await svc.query<{ agents: Row[] }>("{ agents { id status available reasons dnd } }");
  return data.agents.map(({ id, status, available, reasons, dnd }) => ({ id, status, available, reasons, dnd })).sort((a, b) => a.id.localeCompare(b.id));
}

async function pageRows(page: Page): Promise<Row[]> {
  const rows = await page.$$eval("#agents li", (items) =>
    items.map((li) => {
      const d = (li as HTMLElement).dataset;
      return { id: d.id ?? "", status: d.status ?? "", available: d.available === "true", reasons: d.reasons ? d.reasons.split(",") : [], dnd: d.dnd === "true" };
    }),
  );
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

/** Polls until the page's cached list equals a fresh server read (events may be flowing meanwhile). */
async function expectEqualToServer(page: Page, label: string, timeoutMs = PATIENCE): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let wrong: string[] = [];
  for (;;) {
    const [server, shown] = [await serverRows(), await pageRows(page)];
    const byId = new Map(shown.map((r) => [r.id, JSON.stringify(r)]));
    wrong = server.filter((r) => byId.get(r.id) !== JSON.stringify(r)).map((r) => `${r.id}: server ${JSON.stringify(r)} page ${byId.get(r.id)}`);
    if (wrong.length === 0 && shown.length === server.length) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${label}: ${wrong.length} of ${PEOPLE} agents differ from the server:\n${wrong.slice(0, 5).join("\n")}`);
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

async function openPage(url: string, label: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on("console", (message) => {
    // Refused connections while the service is down are the browser's own log lines, expected there.
    if (/ERR_CONNECTION_REFUSED/.test(message.text())) return;
    // graphcache without a schema cannot know that AgentsSnapshot and AgentStatusChanged are object
    // types, not interfaces: in development it says it matches the union's fragments by their fields
    // (which is right here). README, "From a React app", says how to silence it.
    if (/Heuristic Fragment Matching/.test(message.text())) return;
    if (message.type() === "error" || /cache data may be lost|heuristic fragment/i.test(message.text())) consoleProblems.push(`${label}: ${message.text()}`);
  });
  page.on("pageerror", (error) => consoleProblems.push(`${label}: ${error.message}`));
  await page.goto(url);
  return page;
}

let wallboard: Page;
const crmPages: Record<"apollo" | "urql", Page> = {} as never;

describe("the wallboard at /", () => {
  it("shows the 50 named people as tiles, counts, search, and the transfer dialog with its refusal reason", async () => {
    wallboard = await openPage(`${svc.url}/`, "wallboard");
    await expect.poll(() => wallboard.locator("li.tile").count(), { timeout: PATIENCE }).toBe(PEOPLE);
    await expect.poll(() => text(wallboard, '[data-testid="link-state"]'), { timeout: PATIENCE }).toBe("Live");
    expect(await wallboard.locator("li.tile .tile-name").first().innerText()).toBe("Amelia Martin");
    expect(await wallboard.locator('li.tile[data-agent-id] .tile-ext').first().innerText()).toBe("1000 · 1050");
    const server = await serverRows();
    for (const status of ["AVAILABLE", "OFFLINE"]) {
      expect(Number(await text(wallboard, `[data-count="${status}"]`)), status).toBe(server.filter((r) => r.status === status).length);
    }
    expect(Number(await text(wallboard, '[data-count="READY"]'))).toBe(server.filter((r) => r.available).length);

    await wallboard.getByLabel("Search").fill("mensah");
    await expect.poll(() => wallboard.locator("li.tile").count(), { timeout: PATIENCE }).toBe(1);
    await wallboard.getByLabel("Search").fill("");

    // Keyboard only: the Transfer button, the first available agent, then make them busy and confirm.
    await wallboard.getByRole("button", { name: "Transfer…" }).focus();
    await wallboard.keyboard.press("Enter");
    const dialog = wallboard.getByRole("dialog", { name: "Transfer a call" });
    await expect.poll(() => dialog.getByRole("radio").count(), { timeout: PATIENCE }).toBeGreaterThan(1);
    const candidates = await dialog.getByRole("radio").evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    const [target, other] = candidates as [string, string];
    await dialog.getByRole("radio").first().check();
    await dialog.getByRole("button", { name: "Check and transfer" }).click();
    await expect.poll(() => dialog.locator(".transfer-result").getAttribute("data-result"), { timeout: PATIENCE }).toBe("ok");
    await wallboard.screenshot({ path: join(ARTIFACTS, "transfer-ok.png") });

    const call = sim.call(target, other, { ringMs: 100, talkMs: 8_000 });
    await expect.poll(async () => (await svc.agent(target))?.status, { timeout: PATIENCE }).toBe("ON_CALL");
    await dialog.getByRole("button", { name: "Check and transfer" }).click();
    await expect.poll(() => dialog.locator(".transfer-result").getAttribute("data-result"), { timeout: PATIENCE }).toBe("refused");
    expect(await dialog.locator(".transfer-result").innerText()).toMatch(/Not available: On a call/);
    await wallboard.screenshot({ path: join(ARTIFACTS, "transfer-refused.png") });
    await wallboard.keyboard.press("Escape");
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await call;
  });
});

describe("a CRM page on another origin", () => {
  it("Apollo Client and urql keep their cached agents lists equal to the server while agents change", async () => {
    for (const client of ["apollo", "urql"] as const) {
      crmPages[client] = await openPage(`${crm.origin}/?client=${client}&api=${encodeURIComponent(svc.url)}`, client);
      await expect.poll(() => crmPages[client].locator("#agents li").count(), { timeout: PATIENCE }).toBe(PEOPLE);
      await expect.poll(() => text(crmPages[client], "#link")).toBe("connected");
    }
    const before = await serverRows();
    sim.setEventRate(20);
    for (const client of ["apollo", "urql"] as const) {
      await expect.poll(async () => Number(await text(crmPages[client], "#deltas")), { timeout: PATIENCE }).toBeGreaterThan(40);
    }
    // The list was fetched once, before these deltas: only normalisation can have moved it.
    const after = await serverRows();
    expect(after.filter((r, i) => JSON.stringify(r) !== JSON.stringify(before[i])).length).toBeGreaterThan(5);
    for (const client of ["apollo", "urql"] as const) await expectEqualToServer(crmPages[client], client);
    await wallboard.setViewportSize({ width: 1280, height: 720 });
    await wallboard.screenshot({ path: join(ARTIFACTS, "wallboard-1280x720.png") });
    await wallboard.setViewportSize({ width: 390, height: 844 });
    await wallboard.screenshot({ path: join(ARTIFACTS, "wallboard-phone.png") });
    await wallboard.setViewportSize({ width: 1280, height: 720 });
  });

  it("runs the transfer dialog over CORS: an available agent is ok, a busy one is refused with the reason", async () => {
    sim.setEventRate(0);
    for (const client of ["apollo", "urql"] as const) {
      const page = crmPages[client];
      await page.locator("#open-transfer").click();
      await expect.poll(() => page.locator("#available input").count(), { timeout: PATIENCE }).toBeGreaterThan(0);
      const rows = await serverRows();
      const free = (await page.locator("#available input").evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value)))[0]!;
      const busy = (await svc.agents()).find((a) => !a.available && a.status === "OFFLINE") ?? (await svc.agents()).find((a) => !a.available);
      expect(busy, JSON.stringify(rows)).toBeDefined();
      await page.locator("#to").fill(free);
      await page.locator("#check").click();
      await expect.poll(async () => (await page.locator("#transfer-result").getAttribute("data-ok")) ?? "", { timeout: PATIENCE }).toMatch(/true|false/);
      await page.locator("#to").fill(busy!.extension);
      await page.locator("#check").click();
      await expect.poll(() => page.locator("#transfer-result").getAttribute("data-reason"), { timeout: PATIENCE }).toBe(busy!.stale ? "STALE" : "NOT_AVAILABLE");
      expect(await page.locator("#transfer-result").getAttribute("data-ok")).toBe("false");
    }
  });
});

describe("a service restart under the pages", () => {
  it("shows reconnecting, takes the new epoch's snapshot, and ends equal to the server", async () => {
    const epochs = { apollo: await text(crmPages.apollo, "#epoch"), urql: await text(crmPages.urql, "#epoch") };
    sim.setEventRate(10);
    const exit = await svc.stop();
    expect(exit.code).toBe(0);
    for (const client of ["apollo", "urql"] as const) {
      await expect.poll(() => text(crmPages[client], "#link"), { timeout: PATIENCE }).toBe("reconnecting");
      const codes = (await text(crmPages[client], "#close-codes")).split(",").map(Number);
      expect(codes[0], client).toBe(1001);
    }
    await expect.poll(() => text(wallboard, '[data-testid="link-state"]'), { timeout: PATIENCE }).toBe("Reconnecting…");
    expect(await wallboard.getByRole("status").first().innerText()).toMatch(/Reconnecting/);
    await wallboard.screenshot({ path: join(ARTIFACTS, "wallboard-reconnecting.png") });
    await new Promise((r) => setTimeout(r, 1_500)); // refused connections meanwhile: the helper keeps trying

    svc = await svc.restart();
    await svc.waitSynced();
    for (const client of ["apollo", "urql"] as const) {
      await expect.poll(() => text(crmPages[client], "#link"), { timeout: PATIENCE }).toBe("connected");
      await expect.poll(() => text(crmPages[client], "#epoch"), { timeout: PATIENCE }).not.toBe(epochs[client]);
      expect(await text(crmPages[client], "#epochs")).toBe("2");
    }
    await expect.poll(() => text(wallboard, '[data-testid="link-state"]'), { timeout: PATIENCE }).toBe("Live");
    await new Promise((r) => setTimeout(r, 2_000)); // live events on the new stream
    for (const client of ["apollo", "urql"] as const) await expectEqualToServer(crmPages[client], `${client} after restart`);
    sim.setEventRate(0);
    await expect.poll(() => wallboard.locator("li.tile").count()).toBe(PEOPLE);
    await wallboard.screenshot({ path: join(ARTIFACTS, "wallboard-after-restart.png") });
    expect(consoleProblems).toEqual([]);
  });
});

afterAll(() => {
  // The README's picture: `WALLBOARD_README_SCREENSHOT=1 npm run test:browser` refreshes it.
  if (process.env.WALLBOARD_README_SCREENSHOT === "1") copyFileSync(join(ARTIFACTS, "wallboard-1280x720.png"), join(REPO, "docs/wallboard.png"));
});
