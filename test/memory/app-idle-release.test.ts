// The service hands a resync's garbage back once AMI has been quiet for MEMORY_RELEASE_IDLE_MS, never
// while events flow, and again after the next resync (in-process app, AMI simulator, in-memory PGlite).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimApp, type SimApp } from "../helpers/sim-app.ts";
import { sleep } from "../helpers/wait-for.ts";

const releases = async (h: SimApp) => Number(/^memory_releases_total (\d+)$/m.exec(await (await fetch(`${h.app.url}/metrics`)).text())?.[1]);

async function untilReleases(h: SimApp, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await releases(h)) !== count) {
    if (Date.now() > deadline) throw new Error(`memory_releases_total never reached ${count} (is ${await releases(h)})`);
    await sleep(50);
  }
}

describe("idle memory release in the service", () => {
  let h: SimApp;
  beforeAll(async () => {
    h = await startSimApp({ env: { MEMORY_RELEASE_IDLE_MS: "400", REFRESH_MIN_INTERVAL_MS: "0" }, sim: { agents: 20 } });
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
  });

  it("releases once after the first resync, waits while events flow, and again after the next resync", async () => {
    await untilReleases(h, 1, 5_000);
    expect(h.log.entries.find((e) => e.msg === "idle: unused heap memory returned to the OS")?.obj).toMatchObject({ rssMb: expect.any(Array), ms: expect.any(Number) });
    // Quiet again after that: nothing more.
    await sleep(1_000);
    expect(await releases(h)).toBe(1);

    // A resync, then AMI traffic for 1.5 s (an event every 100 ms): no release until it stops.
    await h.app.services.refresh();
    h.sim.setEventRate(10);
    await sleep(1_500);
    expect(await releases(h)).toBe(1);
    h.sim.setEventRate(0);
    await untilReleases(h, 2, 5_000);
  }, 20_000);
});
