// `npx tsx bench/stalls.ts`: where a query waits while AMI ingests. The ingest scenario's service and AMI
// source, then REPS windows of 8 s with the AMI stream paced at RATE events/s (default 60,000), an
// agent(extension) probe every 10 ms, bare node:http probed beside it, and the service's stall tracer
// (BENCH_STALLS, bench/procs/service.ts): loop gaps over 10 ms, GC pauses, each request's time in the
// service. Prints per window the probe's p99, the service's CPU and its main thread's run-queue wait
// (schedstat), and with TIMELINE=1 the probe's slow answers beside the gaps and pauses (ms from the first).
// Environment for the service (AMI_MESSAGES_PER_TURN, WRITE_FLUSH_MS, BENCH_NODE_FLAGS...) passes through.
import { startServiceUnderTest } from "./lib/service-under-test.ts";
import { startChild } from "./lib/rpc.ts";
import { sleep } from "./lib/clock.ts";
import { median } from "./lib/stats.ts";
import { readSchedstat } from "./lib/proc-usage.ts";
import { blast } from "./scenarios/ingest.ts";
import type { ProbeResult } from "./procs/probe.ts";

interface Stalls {
  gaps: Array<[number, number]>;
  pauses: Array<[number, number, number]>;
  requests: Array<[number, number]>;
  crossed: number;
}

process.env.BENCH_STALLS = "1";
const rate = Number(process.env.RATE ?? 60_000);
const reps = Number(process.env.REPS ?? 4);
const sut = await startServiceUnderTest("real", "stalls", { first: 1000, count: 2000, busyShare: 0.75, backend: "simulator" }, "ami-replay", { logWrites: false });
const probe = await startChild("probe", "stalls-probe");
const bare = await startChild("bare-http", "stalls-bare");
const floorProbe = await startChild("probe", "stalls-floor-probe");
const { port: barePort } = await bare.call<{ port: number }>("start");
const body = JSON.stringify({ query: "query Agent($e: ID!) { agent(extension: $e) { extension name status online available } }", variables: { e: "1000" } });
const seconds = 8;
try {
  // Warm-up as in the ingest scenario: JIT, the write path's first batches.
  for (let i = 0; i < 2; i++) await blast(sut, 3);
  await sleep(3000);
  const p99s: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const options = { host: "127.0.0.1", port: sut.port, body, intervalMs: 10, seconds };
    const ours = probe.call<ProbeResult>("run", options);
    const floor = floorProbe.call<ProbeResult>("run", { ...options, port: barePort });
    const paced = sut.source.call<{ events: number; seconds: number }>("paced", { eventsPerSecond: rate, seconds });
    const usage = sut.usage();
    const sched0 = readSchedstat(sut.service.pid);
    await sut.service.call("loopDelayStart");
    const [result, sent, floorResult] = await Promise.all([ours, paced, floor]);
    await sut.service.call("loopDelayStop");
    const sched1 = readSchedstat(sut.service.pid);
    const stalls = await sut.service.call<Stalls>("stalls");
    const share = (key: "onCpu" | "waiting") => (sched0 && sched1 ? `${Math.round((100 * (sched1[key] - sched0[key])) / 1e9 / sent.seconds)} %` : "?");
    const inService = stalls.requests.map(([, ms]) => ms).sort((a, b) => a - b);
    const gcMs = stalls.pauses.reduce((sum, [, ms]) => sum + ms, 0);
    p99s.push(result.latency.p99);
    console.log(
      `${Math.round(sent.events / sent.seconds)} events/s: probe p50 ${result.latency.p50.toFixed(1)} p99 ${result.latency.p99.toFixed(1)} max ${result.latency.max.toFixed(1)} ms; ` +
        `floor p99 ${floorResult.latency.p99.toFixed(1)} ms; service CPU ${Math.round((100 * (sut.usage().cpuSeconds - usage.cpuSeconds)) / sent.seconds)} %, ` +
        `main thread on a CPU ${share("onCpu")}, waiting for one ${share("waiting")}; loop gaps > 10 ms ${stalls.gaps.length}, GC pauses > 2 ms ${stalls.pauses.length} (${Math.round(gcMs)} ms); ` +
        `in the service p50 ${inService[inService.length >> 1]?.toFixed(2)} ms, max ${inService.at(-1)?.toFixed(1)} ms, across a loop turn ${stalls.crossed}`,
    );
    if (process.env.TIMELINE) {
      const t0 = Math.min(...result.slowAt.map(([at]) => at), ...stalls.gaps.map(([at]) => at));
      const events: Array<[number, string]> = [
        ...result.slowAt.filter(([, ms]) => ms > 25).map(([at, ms]): [number, string] => [at, `probe ${ms.toFixed(0)}`]),
        ...stalls.gaps.map(([at, ms]): [number, string] => [at, `gap ${ms.toFixed(0)}`]),
        ...stalls.pauses.filter(([, ms]) => ms > 4).map(([at, ms, kind]): [number, string] => [at, `gc${kind} ${ms.toFixed(1)}`]),
      ];
      console.log(events.sort((a, b) => a[0] - b[0]).map(([at, what]) => `${(at - t0).toFixed(0)}: ${what}`).join("  "));
    }
    await sleep(2000);
  }
  console.log(`median p99 ${median(p99s).toFixed(1)} ms (${p99s.map((p) => p.toFixed(0)).join(", ")})`);
} finally {
  await Promise.all([probe.stop(), floorProbe.stop(), bare.stop()]);
  await sut.stop();
}
process.exit(0);
