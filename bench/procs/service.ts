// The service under test in its own process: `real` is src/app.ts exactly as `npm start` runs it,
// `naive` is the baseline (bench/baselines/naive-app.ts). Configured by environment like production.
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startApp, type App } from "../../src/app.ts";
import { startNaiveApp } from "../baselines/naive-app.ts";
import { serve } from "../lib/rpc.ts";
import { windowProfiler } from "../lib/window-profiler.ts";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

const variant = process.argv[2] === "naive" ? "naive" : "real";
const config = loadConfig();
const log = createLogger({ level: config.log.level });
const app: App = await (variant === "naive" ? startNaiveApp(config, log) : startApp(config, log));

let loopDelay: IntervalHistogram | undefined;

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
