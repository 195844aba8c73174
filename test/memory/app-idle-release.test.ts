// The service hands a resync's garbage back once it has been quiet (no AMI message, no HTTP request)
// for MEMORY_RELEASE_IDLE_MS, never under traffic, and again after the next resync (in-process app, AMI
// simulator, in-memory PGlite). Counted from the log: polling /metrics would itself be traffic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimApp, type SimApp } from "../helpers/sim-app.ts";
import { sleep } from "../helpers/wait-for.ts";

const released = (h: SimApp) => h.log.entries.filter((e) => e.msg === "idle: unused heap memory returned to the OS");

async function untilReleases(h: SimApp, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (released(h).length !== count) {
    if (Date.now() > deadline) throw new Error(`${released(h).length} releases, not ${count}`);
    await sleep(20);
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

  it("releases once after the first resync, waits while AMI events or HTTP requests go on, and again after each resync", async () => {
    await untilReleases(h, 1, 5_000);
    expect(released(h)[0]!.obj).toMatchObject({ rssMb: expect.any(Array), heapMb: expect.any(Array), ms: expect.any(Number) });
    // Quiet afterwards: nothing more.
    await sleep(1_000);
    expect(released(h)).toHaveLength(1);

    // A resync, then AMI traffic for 1.5 s (an event every 100 ms): no release until it stops.
    await h.app.services.refresh();
    h.sim.setEventRate(10);
    await sleep(1_500);
    expect(released(h)).toHaveLength(1);
    h.sim.setEventRate(0);
    await untilReleases(h, 2, 5_000);

    // A resync, then HTTP requests for 1.5 s: the same.
    await h.app.services.refresh();
    for (let i = 0; i < 15; i++) {
      await fetch(`${h.app.url}/healthz`);
      await sleep(100);
    }
    expect(released(h)).toHaveLength(2);
    await untilReleases(h, 3, 5_000);
    expect(await (await fetch(`${h.app.url}/metrics`)).text()).toMatch(/^memory_releases_total 3$/m);
  }, 30_000);
});
