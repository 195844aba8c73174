// Process entry of the stand-alone simulator: `tsx src/simulator/cli.ts --agents 50 --port 5038 --rate 5`.
// Point the service (or anything that speaks AMI) at it; SIGHUP plays `core restart now`, SIGUSR2 a burst.
import { createLogger } from "../logger.ts";
import { exitOnShutdownSignals } from "../shutdown-signals.ts";
import { parseSimulatorArgs, simulatorUsage, UsageError } from "./cli-args.ts";
import { startSimulator } from "./simulator.ts";

const DEFAULTS = { port: 5038, rate: 5 };

async function main(argv: readonly string[]): Promise<void> {
  let args;
  try {
    args = parseSimulatorArgs(argv, DEFAULTS);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${simulatorUsage("AMI simulator", "tsx src/simulator/cli.ts", DEFAULTS)}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(simulatorUsage("AMI simulator: an Asterisk 22 look-alike for demos and load tests.", "tsx src/simulator/cli.ts", DEFAULTS));
    return;
  }
  const log = createLogger({ level: args.logLevel, base: { service: "ami-simulator" } });
  const simulator = await startSimulator({ ...args.options, log });
  log.info({ ami: `${simulator.host}:${simulator.port}`, username: args.options.username }, "AMI simulator ready: AMI_HOST/AMI_PORT/AMI_USERNAME/AMI_SECRET of the service go here");
  process.on("SIGHUP", () => void simulator.restart().catch((error: unknown) => log.warn({ err: String(error) }, "restart failed")));
  process.on("SIGUSR2", () => void simulator.reannounceAll().catch((error: unknown) => log.warn({ err: String(error) }, "burst failed")));
  exitOnShutdownSignals({ log, timeoutMs: 5_000, stop: () => simulator.close() });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`AMI simulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
