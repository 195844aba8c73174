// The service under test in its own process: `real` is src/app.ts exactly as `npm start` runs it,
// `naive` is the baseline (bench/baselines/naive-app.ts). Configured by environment like production.
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startApp, type App } from "../../src/app.ts";
import { startNaiveApp } from "../baselines/naive-app.ts";
import { serve } from "../lib/rpc.ts";
import { windowProfiler } from "../lib/window-profiler.ts";

const variant = process.argv[2] === "naive" ? "naive" : "real";
const config = loadConfig();
const log = createLogger({ level: config.log.level });
const app: App = await (variant === "naive" ? startNaiveApp(config, log) : startApp(config, log));

serve({
  info: () => ({ url: app.url, port: app.port, pid: process.pid, variant }),
  amiStatus: () => app.services.amiStatus(),
  hubSubscribers: () => app.services.hub.subscribers,
  memory: () => process.memoryUsage(),
  // A CPU profile of one measured window (BENCH_CPU_PROF=1), written to bench/.logs/<label>.cpuprofile.
  ...windowProfiler(),
  gc: () => {
    (globalThis as { gc?: () => void }).gc?.();
  },
  stop: async () => {
    await app.stop();
    setImmediate(() => process.exit(0));
  },
});
process.on("SIGTERM", () => void app.stop().finally(() => process.exit(0)));
