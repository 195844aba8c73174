// Wall-clock epoch milliseconds with sub-millisecond resolution. Every bench process uses it, so
// timestamps taken in different processes on this machine can be subtracted from each other.
import { performance } from "node:perf_hooks";

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
