import { describe, expect, it } from "vitest";
import { IdleMemoryRelease } from "../../src/memory/idle-release.ts";
import type { HeapRelease } from "../../src/memory/heap-release.ts";
import { silentLog } from "../helpers/databases.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const freed: HeapRelease = { rssBefore: 200e6, rssAfter: 130e6, heapBefore: 90e6, heapAfter: 50e6, ms: 120 };

/** A scheduler over a work counter the test moves, counting the releases it asks for. */
function setup(idleMs: number) {
  let work = 0;
  const asked: number[] = [];
  const log = silentLog();
  const release = new IdleMemoryRelease({
    idleMs,
    activity: () => work,
    release: async () => {
      asked.push(work);
      return freed;
    },
    log,
  });
  return { release, asked, log, work: () => work++ };
}

describe("IdleMemoryRelease", () => {
  it("releases once, after a resync and a quiet period, and logs what it freed", async () => {
    const { release, asked, log } = setup(30);
    release.arm();
    await sleep(10);
    expect(asked).toEqual([]);
    await sleep(60);
    expect(asked).toHaveLength(1);
    await sleep(100);
    expect(asked).toHaveLength(1);
    expect(release.releases).toBe(1);
    expect(log.entries.find((e) => e.msg?.startsWith("idle: unused heap memory"))?.obj).toMatchObject({ rssMb: [190.7, 124], heapMb: [85.8, 47.7], ms: 120 });
  });

  it("waits while work goes on, and releases once it stops", async () => {
    const { release, asked, work } = setup(40);
    release.arm();
    for (let i = 0; i < 6; i++) {
      work();
      await sleep(20);
    }
    expect(asked).toEqual([]);
    await sleep(120);
    expect(asked).toEqual([6]);
  });

  it("releases idleMs to 1.25 idleMs after the last work, not a whole period later", async () => {
    const { release, asked, work } = setup(200);
    release.arm();
    await sleep(10);
    work();
    const lastWork = performance.now();
    while (asked.length === 0 && performance.now() - lastWork < 1_000) await sleep(5);
    const after = performance.now() - lastWork;
    expect(after).toBeGreaterThanOrEqual(195);
    expect(after).toBeLessThan(330);
  });

  it("each resync arms it again; stop() cancels a pending release; 0 never releases", async () => {
    const first = setup(20);
    first.release.arm();
    await sleep(60);
    first.release.arm();
    await sleep(60);
    expect(first.asked).toHaveLength(2);
    first.release.arm();
    first.release.stop();
    first.release.arm();
    await sleep(60);
    expect(first.asked).toHaveLength(2);

    const never = setup(0);
    never.release.arm();
    await sleep(40);
    expect(never.asked).toEqual([]);
  });

  it("a failed release is logged, not thrown", async () => {
    const log = silentLog();
    const release = new IdleMemoryRelease({ idleMs: 10, activity: () => 0, release: () => Promise.reject(new Error("no inspector")), log });
    release.arm();
    await sleep(50);
    expect(release.releases).toBe(0);
    expect(log.entries.find((e) => e.level === "warn")?.obj).toEqual({ err: "no inspector" });
  });
});
