// CPU profiles of chosen windows of a bench process (node:inspector), so that a profile shows the
// measured work, not start-up: `profileStart()`, then `profileStop(label)` writes bench/.logs/<label>.cpuprofile.
// With BENCH_HEAP_PROF=1 the same window also samples allocations, collected ones included (what the
// garbage collector pays for), into bench/.logs/<label>.heapprofile (bench/profile-summary.ts reads both).
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOG_DIR } from "./rpc.ts";

export function windowProfiler() {
  let session: Session | null = null;
  const heap = Boolean(process.env.BENCH_HEAP_PROF);
  return {
    async profileStart(): Promise<void> {
      session ??= new Session();
      session.connect();
      await session.post("Profiler.enable");
      // BENCH_CPU_PROF_INTERVAL (µs, default 200): a coarser interval perturbs a loaded service less.
      await session.post("Profiler.setSamplingInterval", { interval: Number(process.env.BENCH_CPU_PROF_INTERVAL) || 200 });
      await session.post("Profiler.start");
      if (heap) {
        await session.post("HeapProfiler.enable");
        // BENCH_HEAP_PROF=promoted: only what outlived the young generation (collected by a full GC, or still alive).
        const promotedOnly = process.env.BENCH_HEAP_PROF === "promoted";
        await session.post("HeapProfiler.startSampling", { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !promotedOnly } as never);
      }
    },
    async profileStop(label: string): Promise<string> {
      if (!session) throw new Error("profileStart() first");
      const { profile } = await session.post("Profiler.stop");
      if (heap) {
        const { profile: allocations } = await session.post("HeapProfiler.stopSampling");
        writeFileSync(join(LOG_DIR, `${label}.heapprofile`), JSON.stringify(allocations));
      }
      session.disconnect();
      session = null;
      const file = join(LOG_DIR, `${label}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
