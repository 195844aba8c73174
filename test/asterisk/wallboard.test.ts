// The wallboard at `/` in headless Chromium against a real Asterisk 22 (asterisk-lab): extension 1001
// registers, rings, takes a call, goes on DND, comes back and unregisters, and its tile follows each
// change within a second. Two clocks are compared, both on this machine:
// - the lab's command returning (Asterisk's own guarantee: 200 OK, hint shown, BYE answered) to the
//   tile showing the new state: the whole chain Asterisk → AMI → service → graphql-ws → React;
// - for states the lab does not report on its own (ringing, the call answered), a graphql-ws
//   subscriber in this process receiving the delta to the tile showing it.
// The page records its tile's changes itself (a MutationObserver, Date.now()), so nothing is missed
// between two polls. Screenshots go to test-artifacts/ (CI keeps them).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { createTestPostgres, type TestDatabase } from "../helpers/databases.ts";
import { AsteriskDriver, LAB_ENV } from "../scenarios/asterisk-driver.ts";
import { FAST_AMI_ENV, ServiceProcess } from "../scenarios/service-process.ts";
import type { SubscriptionRecorder } from "../scenarios/subscription-recorder.ts";
import { ensureWallboardBuilt } from "../browser/helpers/build.ts";
import { launchChromium, type Browser } from "../browser/helpers/chromium.ts";

const ARTIFACTS = join(resolve(import.meta.dirname, "../.."), "test-artifacts");
const EXT = "1001";
const CALLER = "1002";
/** The promise made to a supervisor: a tile shows what Asterisk did within a second. */
const FOLLOW_MS = 1_000;

interface TileChange {
  at: number;
  status: string;
  available: boolean;
  notes: string;
}

let pbx: AsteriskDriver;
let database: TestDatabase;
let service: ServiceProcess;
let stream: SubscriptionRecorder;
let browser: Browser;
let page: Page;
const pageProblems: string[] = [];
const lags: Array<[string, number]> = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await ensureWallboardBuilt();
  pbx = await AsteriskDriver.start({ env: LAB_ENV });
  database = await createTestPostgres();
  service = await ServiceProcess.start({ name: "wallboard-lab", ami: pbx.ami(), database: { kind: "postgres", url: database.url! }, env: { ...FAST_AMI_ENV } });
  await service.waitSynced();
  stream = service.subscribe([EXT]);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on("pageerror", (error) => pageProblems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageProblems.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  if (service) expect((await service.stop()).code, "wallboard-lab service exit code").toBe(0);
  await database?.drop();
  await pbx?.close();
  if (lags.length > 0) console.info(`wallboard tile lag (ms): ${lags.map(([what, ms]) => `${what} ${ms}`).join(", ")}`);
});

async function tileChanges(): Promise<TileChange[]> {
  return page.evaluate(() => (window as unknown as { tileChanges: TileChange[] }).tileChanges);
}

/** The first change after `since` that matches, waiting up to `timeoutMs` for it. */
async function tileReaches(since: number, matches: (change: TileChange) => boolean, what: string, timeoutMs = 10_000): Promise<TileChange> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await tileChanges()).find((c) => c.at >= since && matches(c));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`the tile of ${EXT} never showed ${what}; its changes: ${JSON.stringify((await tileChanges()).filter((c) => c.at >= since))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a lab command; the tile must show the result within FOLLOW_MS of the command returning. */
async function expectTileFollows(what: string, command: () => Promise<void>, matches: (change: TileChange) => boolean): Promise<void> {
  const started = Date.now();
  await command();
  const done = Date.now();
  const change = await tileReaches(started, matches, what);
  const lag = Math.max(0, change.at - done);
  lags.push([what, lag]);
  expect(lag, `${what}: tile ${lag} ms after Asterisk confirmed it`).toBeLessThanOrEqual(FOLLOW_MS);
  await page.screenshot({ path: join(ARTIFACTS, `lab-wallboard-${what.replace(/\W+/g, "-")}.png`) });
}

describe("the wallboard against real Asterisk 22", () => {
  test("the wallboard shows the lab's 20 endpoints on a live stream", async () => {
    await page.goto(`${service.url}/`);
    await expect.poll(() => page.locator("li.tile").count(), { timeout: 20_000 }).toBe(20);
    await expect.poll(() => page.locator('[data-testid="link-state"]').innerText(), { timeout: 20_000 }).toBe("Live");
    await page.evaluate((ext) => {
      // Runs in the page: every change of the tile of `ext`, with the page's clock.
      const changes: TileChange[] = [];
      (window as unknown as { tileChanges: TileChange[] }).tileChanges = changes;
      const read = () => {
        const tile = [...document.querySelectorAll<HTMLElement>("li.tile")].find((li) => li.querySelector(".tile-ext")?.textContent === ext);
        if (!tile) return;
        const next = { status: tile.dataset.status ?? "", available: tile.classList.contains("is-available"), notes: tile.querySelector(".tile-notes")?.textContent ?? "" };
        const last = changes.at(-1);
        if (!last || last.status !== next.status || last.available !== next.available || last.notes !== next.notes) changes.push({ at: Date.now(), ...next });
      };
      read();
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    }, EXT);
  });

  test("a phone registers: the tile turns Available", async () => {
    await expectTileFollows("register", () => pbx.register(EXT), (c) => c.status === "AVAILABLE" && c.available);
    await pbx.register(CALLER);
  });

  test("it rings and takes a call: Ringing, On a call, then Available again, each within a second of the service's delta", async () => {
    const mark = stream.events.length;
    const since = Date.now();
    const call = pbx.call(CALLER, EXT, 3);
    for (const status of ["RINGING", "ON_CALL"]) {
      const delta = await stream.nextDelta((d) => d.extension === EXT && d.status === status, { after: mark, timeoutMs: 15_000, message: `${EXT} ${status}` });
      const change = await tileReaches(since, (c) => c.status === status, status);
      const lag = Math.max(0, change.at - delta.receivedAt);
      lags.push([status, lag]);
      expect(lag, `${status}: tile ${lag} ms after the delta`).toBeLessThanOrEqual(FOLLOW_MS);
      await page.screenshot({ path: join(ARTIFACTS, `lab-wallboard-${status.toLowerCase()}.png`) });
    }
    // The call ends when the lab's caller got 200 OK to its BYE.
    await expectTileFollows("hang up", () => call, (c) => c.at > since && c.status === "AVAILABLE" && c.available);
    const shown = (await tileChanges()).filter((c) => c.at >= since).map((c) => c.status);
    expect(shown.indexOf("RINGING"), JSON.stringify(shown)).toBeLessThan(shown.indexOf("ON_CALL"));
  });

  test("DND on: the tile says DND and is no longer available; off: available again", async () => {
    await expectTileFollows("dnd on", () => pbx.dnd(EXT, true), (c) => !c.available && c.notes.includes("DND"));
    expect(await page.locator("li.tile.is-available .tile-ext", { hasText: new RegExp(`^${EXT}$`) }).count()).toBe(0);
    await expectTileFollows("dnd off", () => pbx.dnd(EXT, false), (c) => c.available && !c.notes.includes("DND"));
  });

  test("the phone unregisters: the tile turns Offline", async () => {
    await expectTileFollows("unregister", () => pbx.unregister(EXT), (c) => c.status === "OFFLINE" && !c.available);
  });

  test("the page stayed on one live stream with no error", async () => {
    expect(await page.locator('[data-testid="link-state"]').innerText()).toBe("Live");
    expect(pageProblems).toEqual([]);
  });
});
