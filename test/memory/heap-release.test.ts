import { describe, expect, it } from "vitest";
import { getHeapSpaceStatistics } from "node:v8";
import { releaseHeapMemory } from "../../src/memory/heap-release.ts";

const space = (name: string) => getHeapSpaceStatistics().find((s) => s.space_name === name)!.space_size;

describe("releaseHeapMemory", () => {
  it("returns a burst's garbage and its grown young generation, twice in a row, without hanging the loop", async () => {
    // A burst: ~80 MB of short-lived objects, some kept until the burst ends (old space), the young
    // generation grown to its maximum meanwhile.
    let kept: unknown[] = [];
    for (let i = 0; i < 400_000; i++) {
      const item = { extension: String(1000 + (i % 5000)), status: "AVAILABLE", contacts: [`sip:${i}@10.0.0.1`], at: i };
      if (i % 4 === 0) kept.push(item);
    }
    kept = [];
    expect(kept).toHaveLength(0);
    const youngBefore = space("new_space");
    const first = await releaseHeapMemory();
    expect(first.heapAfter).toBeLessThan(first.heapBefore);
    expect(space("new_space")).toBeLessThan(youngBefore);
    expect(first.ms).toBeGreaterThan(0);
    // Nothing left to return; the inspector session was closed and a new one works.
    const second = await releaseHeapMemory();
    expect(second.heapAfter).toBeLessThanOrEqual(first.heapAfter + 1024 * 1024);
    // The event loop still turns.
    await new Promise((resolve) => setImmediate(resolve));
  });
});
