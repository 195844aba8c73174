// Process entry: configuration, logger, the app; owns signals and exit codes.
//   0 clean stop, 1 crash or failed start, 2 invalid configuration.
import { loadConfig, ConfigError } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startApp, type App } from "./app.ts";
import { exitOnShutdownSignals } from "./shutdown-signals.ts";
import { DatabaseStartError } from "./store/database.ts";
import { DataDirLockedError } from "./store/data-dir-lock.ts";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.log.level, format: config.log.format });
  if (config.pbxs.length === 1 && !config.pbxs[0]!.secret) log.warn({}, "AMI_SECRET is empty: set it to the secret of your manager.conf user");
  for (const pbx of config.pbxs.length > 1 ? config.pbxs : []) if (!pbx.secret) log.warn({ pbx: pbx.name }, "AMI_PBXS: this PBX's secret is empty: set it to the secret of its manager.conf user");

  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled promise rejection"));
  process.on("uncaughtException", (error) => {
    log.fatal({ err: error }, "uncaught exception: exiting");
    process.exit(1);
  });

  // Signals are handled from the first moment: a stop during start-up (e.g. while waiting for the
  // database) abandons the start and exits 0 at once; nothing has been accepted that needs storing.
  let app: App | undefined;
  const starting = new AbortController();
  exitOnShutdownSignals({
    log,
    // stop() keeps to SHUTDOWN_TIMEOUT_MS by itself; this only catches a bug in it.
    timeoutMs: config.shutdownTimeoutMs + 1_000,
    stop: async () => {
      if (app) return app.stop();
      starting.abort();
      log.info({}, "stopped during start-up");
    },
  });

  try {
    app = await startApp(config, log, { signal: starting.signal });
  } catch (error) {
    if (starting.signal.aborted) return; // the signal handler exits
    // Expected causes are one clear line; anything else keeps its stack.
    const expected = error instanceof DatabaseStartError || error instanceof DataDirLockedError;
    log.fatal({ err: expected ? (error as Error).message : error }, expected ? `start-up failed: ${(error as Error).message}` : "start-up failed");
    process.exit(1);
  }
}

void main();
