// The service under test in its own process: `real` is src/app.ts exactly as `npm start` runs it,
// `naive` is the baseline (bench/baselines/naive-app.ts). Configured by environment like production.
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startApp, type App } from "../../src/app.ts";
import { startNaiveApp } from "../baselines/naive-app.ts";
import { serve } from "../lib/rpc.ts";
import { windowProfiler } from "../lib/window-profiler.ts";
import diagnostics from "node:diagnostics_channel";
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from "node:perf_hooks";

const variant = process.argv[2] === "naive" ? "naive" : "real";
const config = loadConfig();
const log = createLogger({ level: config.log.level });
const app: App = await (variant === "naive" ? startNaiveApp(config, log) : startApp(config, log));

let loopDelay: IntervalHistogram | undefined;

/** What blocked the loop in a window: gaps of a 1 ms timer over 10 ms and every GC pause over 2 ms,
 * at wall-clock times (epoch ms), so that a probe's slow answers can be laid beside them. */
function stallTracer() {
  const gaps: Array<[number, number]> = [];
  const pauses: Array<[number, number, number]> = [];
  let last = performance.now();
  let ticks = 0;
  let crossed = 0;
  const timer = setInterval(() => {
    ticks++;
    const now = performance.now();
    if (now - last > 10) gaps.push([performance.timeOrigin + last, now - last]);
    last = now;
  }, 1);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration > 2) pauses.push([performance.timeOrigin + entry.startTime, entry.duration, (entry as { detail?: { kind?: number } }).detail?.kind ?? 0]);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  // Each HTTP request's time in the service: [start (epoch ms), ms to its response's finish].
  const requests: Array<[number, number]> = [];
  const started = new WeakMap<object, [number, number]>();
  const onStart = (message: unknown) => started.set((message as { response: object }).response, [performance.now(), ticks]);
  const onFinish = (message: unknown) => {
    const at = started.get((message as { response: object }).response);
    if (at === undefined) return;
    requests.push([performance.timeOrigin + at[0], performance.now() - at[0]]);
    if (ticks !== at[1]) crossed++;
  };
  diagnostics.subscribe("http.server.request.start", onStart);
  diagnostics.subscribe("http.server.response.finish", onFinish);
  return {
    stop() {
      clearInterval(timer);
      observer.disconnect();
      diagnostics.unsubscribe("http.server.request.start", onStart);
      diagnostics.unsubscribe("http.server.response.finish", onFinish);
      return { gaps, pauses, requests, crossed };
    },
  };
}
let stalls: ReturnType<typeof stallTracer> | undefined;

serve({
  info: () => ({ url: app.url, port: app.port, pid: process.pid, variant }),
  amiStatus: () => app.services.amiStatus(),
  hubSubscribers: () => app.services.hub.subscribers,
  memory: () => process.memoryUsage(),
  // A CPU profile of one measured window (BENCH_CPU_PROF=1), written to bench/.logs/<label>.cpuprofile.
  ...windowProfiler(),
  // Event-loop delay over a window (1 ms resolution): how long the loop was blocked, apart from I/O waits.
  loopDelayStart: () => {
    loopDelay?.disable();
    loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    if (process.env.BENCH_STALLS) stalls = stallTracer();
  },
  /** BENCH_STALLS=1: the loop's gaps and GC pauses of the last loopDelay window (null without). */
  stalls: () => {
    const found = stalls?.stop() ?? null;
    stalls = undefined;
    return found;
  },
  loopDelayStop: () => {
    if (!loopDelay) return null;
    loopDelay.disable();
    const ms = (ns: number) => ns / 1e6;
    return { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  },
  gc: () => {
    (globalThis as { gc?: () => void }).gc?.();
  },
  stop: async () => {
    await app.stop();
    setImmediate(() => process.exit(0));
  },
});
process.on("SIGTERM", () => void app.stop().finally(() => process.exit(0)));
