// The wallboard with authentication on (AUTH_MODE=token), in headless Chromium against the real
// service (a child process), the AMI simulator and PostgreSQL: the page asks for a credential, refuses
// a wrong one, shows the floor with a supervisor's API key, asks again when an operator revokes that
// key (its WebSocket is closed 4403), takes a credential from the URL fragment for a wall screen
// (and removes it from the address bar), and signs out.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { hashApiKey } from "../../src/http/auth.ts";
import { parseSimulatorArgs } from "../../src/simulator/cli-args.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { createTestPostgres, type TestDatabase } from "../helpers/databases.ts";
import { FAST_AMI_ENV, ServiceProcess } from "../scenarios/service-process.ts";
import { ensureWallboardBuilt } from "./helpers/build.ts";
import { launchChromium, type Browser } from "./helpers/chromium.ts";

const ARTIFACTS = join(resolve(import.meta.dirname, "../.."), "test-artifacts");
const AGENTS = 8;
const SUPERVISOR_KEY = "wallboard-key-for-browser-tests-not-real";
const OPERATOR_KEY = "operator-key-for-browser-tests-not-real";
const PATIENCE = 30_000;

let sim: Simulator;
let db: TestDatabase;
let svc: ServiceProcess;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await ensureWallboardBuilt();
  sim = await startSimulator(parseSimulatorArgs(["--agents", String(AGENTS), "--seed", "3", "--rate", "0"], { port: 0, rate: 0 }).options);
  db = await createTestPostgres();
  svc = await ServiceProcess.start({
    name: "sign-in",
    ami: { host: sim.host, port: sim.port, username: "crm", secret: "crmsecret" },
    database: { kind: "postgres", url: db.url! },
    env: {
      ...FAST_AMI_ENV,
      NODE_ENV: "production",
      AUTH_API_KEYS: `wallboard:supervisor:${hashApiKey(SUPERVISOR_KEY)},ops:operator:${hashApiKey(OPERATOR_KEY)}`,
      AUTH_REVOCATION_REFRESH_MS: "500",
    },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await svc?.stop().catch(() => undefined);
  await sim?.close();
  await db?.drop();
});

async function openPage(path: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${svc.url}${path}`);
  return page;
}

async function asOperator(query: string): Promise<unknown> {
  const response = await fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": OPERATOR_KEY }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const signInForm = (page: Page) => page.getByRole("region", { name: "Sign in" });

describe("the wallboard with authentication on", () => {
  let page: Page;

  it("asks for a credential and shows nothing without one", async () => {
    page = await openPage("/");
    await expect.poll(() => signInForm(page).isVisible(), { timeout: PATIENCE }).toBe(true);
    expect(await page.getByRole("alert").innerText()).toContain("Sign in to see the floor");
    expect(await page.locator("li.tile").count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "sign-in.png") });
  });

  it("refuses a wrong key, then shows the live floor with a supervisor's key", async () => {
    await page.getByLabel("Access token or API key").fill("not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").innerText(), { timeout: PATIENCE }).toMatch(/Refused/);
    await page.getByLabel("Access token or API key").fill(SUPERVISOR_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("li.tile").count(), { timeout: PATIENCE }).toBe(AGENTS);
    await expect.poll(() => page.locator('[data-testid="link-state"]').innerText(), { timeout: PATIENCE }).toBe("Live");
    expect(await signInForm(page).count()).toBe(0);
  });

  it("when an operator revokes that key, its socket is closed and the page asks again", async () => {
    await asOperator('mutation { revokeCredentials(subject: "api-key:wallboard", reason: "screen stolen") { kind } }');
    await expect.poll(() => signInForm(page).isVisible(), { timeout: PATIENCE }).toBe(true);
    expect(await page.getByRole("alert").innerText()).toMatch(/revoked/i);
    await page.screenshot({ path: join(ARTIFACTS, "sign-in-revoked.png") });
    await asOperator('mutation { restoreCredentials(subject: "api-key:wallboard") }');
    await page.close();
  });

  it("a wall screen opens /#token=…: signed in, and the key leaves the address bar", async () => {
    page = await openPage(`/#token=${encodeURIComponent(SUPERVISOR_KEY)}`);
    await expect.poll(() => page.locator("li.tile").count(), { timeout: PATIENCE }).toBe(AGENTS);
    expect(page.url()).not.toContain(SUPERVISOR_KEY);
    expect(page.url()).not.toContain("#");
  });

  it("signing out forgets the key and asks again", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => signInForm(page).isVisible(), { timeout: PATIENCE }).toBe(true);
    await page.reload();
    await expect.poll(() => signInForm(page).isVisible(), { timeout: PATIENCE }).toBe(true);
    expect(pageErrors).toEqual([]);
    expect(svc.logs()).not.toContain(SUPERVISOR_KEY);
  });
});
