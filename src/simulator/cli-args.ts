// Command-line options of the simulator CLI and of the demo, parsed and checked in one place.
import { parseArgs } from "node:util";
import type { SimulatorOptions } from "./simulator.ts";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function simulatorUsage(title: string, command: string, defaults: { port: number; rate: number }): string {
  return `${title}

  ${command} [options]

  --agents N              simulated agents (default 50)
  --first N               first extension (default 1000)
  --registered N          agents registered at start (default: all)
  --rate N                random activity, state events per second (default ${defaults.rate}; 0 = none)
  --host HOST             listen address (default 127.0.0.1)
  --port N                AMI port (default ${defaults.port}; 0 = any free port)
  --username NAME         AMI user (default crm)
  --secret SECRET         AMI secret (default crmsecret)
  --qualify-delay-ms N    silent phone → Unreachable after (default 4000)
  --restart-down-ms N     how long a restart keeps Asterisk away (default 1000)
  --seed N                seed of the random activity (default 1)
  --log-level LEVEL       fatal|error|warn|info|debug|trace|silent (default info)
  --help                  this text

Signals: SIGHUP restarts the simulated Asterisk, SIGUSR2 re-announces every contact (burst).
`;
}

export interface SimulatorCliArgs {
  help: boolean;
  logLevel: string;
  options: SimulatorOptions;
}

export function parseSimulatorArgs(argv: readonly string[], defaults: { port: number; rate: number }): SimulatorCliArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        agents: { type: "string" },
        first: { type: "string" },
        registered: { type: "string" },
        rate: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        username: { type: "string" },
        secret: { type: "string" },
        "qualify-delay-ms": { type: "string" },
        "restart-down-ms": { type: "string" },
        seed: { type: "string" },
        "log-level": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const int = (name: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? "≥ 0" : `between 0 and ${max}`;
      throw new UsageError(`--${name} must be a whole number ${range}, got "${text}"`);
    }
    return value;
  };
  const rate = values.rate === undefined ? defaults.rate : Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0) throw new UsageError(`--rate must be a number ≥ 0, got "${values.rate}"`);
  const agents = int("agents", values.agents, 50);
  const logLevel = values["log-level"] ?? "info";
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) throw new UsageError(`--log-level: unknown level "${logLevel}"`);
  return {
    help: values.help ?? false,
    logLevel,
    options: {
      agents,
      firstExtension: int("first", values.first, 1000),
      registered: int("registered", values.registered, agents, agents),
      eventsPerSecond: rate,
      host: values.host ?? "127.0.0.1",
      port: int("port", values.port, defaults.port, 65_535),
      username: values.username ?? "crm",
      secret: values.secret ?? "crmsecret",
      qualifyDelayMs: int("qualify-delay-ms", values["qualify-delay-ms"], 4_000),
      restartDownMs: int("restart-down-ms", values["restart-down-ms"], 1_000),
      seed: int("seed", values.seed, 1),
    },
  };
}
