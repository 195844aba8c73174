// Process entry: configuration, logger, the app; owns signals and exit codes.
//   0 clean stop, 1 crash or failed start, 2 invalid configuration.
import { loadConfig, ConfigError } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startApp, type App } from "./app.ts";
import { exitOnShutdownSignals } from "./shutdown-signals.ts";

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
  const log = createLogger({ level: config.log.level });
  if (!config.ami.secret) log.warn({}, "AMI_SECRET is empty: set it to the secret of your manager.conf user");

  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled promise rejection"));
  process.on("uncaughtException", (error) => {
    log.fatal({ err: error }, "uncaught exception: exiting");
    process.exit(1);
  });

  let app: App;
  try {
    app = await startApp(config, log);
  } catch (error) {
    log.fatal({ err: error }, "start-up failed");
    process.exit(1);
  }

  exitOnShutdownSignals({ log, timeoutMs: config.shutdownTimeoutMs + 5_000, stop: () => app.stop() });
}

void main();
