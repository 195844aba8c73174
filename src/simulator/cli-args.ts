// Command-line options of the simulator CLI and of the demo, parsed and checked in one place.
import { parseArgs } from "node:util";
import type { HintLayout } from "./pbx-model.ts";
import type { QueueSettings } from "./queue-book.ts";
import type { SimulatorOptions } from "./simulator.ts";

/** Queues of the demo and the CLI: like the lab's, with a wrap-up long enough to watch. */
export const DEFAULT_QUEUES = "support:10,sales:10";

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
  --queues LIST           app_queue queues as name:wrapupSeconds, comma-separated (default ${DEFAULT_QUEUES});
                          every agent is in the first queue, every 2nd also in the second, every 3rd in the third...;
                          "none": no app_queue
  --agent-activity SHARE  share of the activity spent on DND, presence and queue pauses, 0..1
                          (default 0.3 with queues); with queues, half of the calls go through one (then wrap-up)
  --hints LAYOUT          freepbx (PJSIP/N&Custom:DNDN,CustomPresence:N, default) or device (PJSIP/N)
  --ami-read CLASSES      the AMI user's read classes (default system,call,agent; without agent: no queue events)
  --ami-write CLASSES     its write classes (default system,call,agent; without agent: QueuePause is denied)
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
        queues: { type: "string" },
        "agent-activity": { type: "string" },
        hints: { type: "string" },
        "ami-read": { type: "string" },
        "ami-write": { type: "string" },
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
  const queues = parseQueues(values.queues ?? DEFAULT_QUEUES);
  const hintLayout = values.hints ?? "freepbx";
  if (hintLayout !== "freepbx" && hintLayout !== "device") throw new UsageError(`--hints must be freepbx or device, got "${hintLayout}"`);
  const share = values["agent-activity"] === undefined ? undefined : Number(values["agent-activity"]);
  if (share !== undefined && !(share >= 0 && share <= 1)) throw new UsageError(`--agent-activity must be a number between 0 and 1, got "${values["agent-activity"]}"`);
  const firstExtension = int("first", values.first, 1000);
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) throw new UsageError(`--log-level: unknown level "${logLevel}"`);
  return {
    help: values.help ?? false,
    logLevel,
    options: {
      agents,
      firstExtension,
      registered: int("registered", values.registered, agents, agents),
      eventsPerSecond: rate,
      host: values.host ?? "127.0.0.1",
      port: int("port", values.port, defaults.port, 65_535),
      username: values.username ?? "crm",
      secret: values.secret ?? "crmsecret",
      qualifyDelayMs: int("qualify-delay-ms", values["qualify-delay-ms"], 4_000),
      restartDownMs: int("restart-down-ms", values["restart-down-ms"], 1_000),
      seed: int("seed", values.seed, 1),
      queues,
      queueMembers: spreadMembers(queues, agents, firstExtension),
      agentActivityShare: share,
      hintLayout: hintLayout as HintLayout,
      readClasses: classes("ami-read", values["ami-read"]),
      writeClasses: classes("ami-write", values["ami-write"]),
    },
  };
}

/** `support:10,sales:10` → queues with their wrap-up; "none" → no app_queue. */
function parseQueues(text: string): QueueSettings[] {
  if (text.trim() === "none" || text.trim() === "") return [];
  return text.split(",").map((part) => {
    const [name = "", wrapup = "5"] = part.trim().split(":");
    const wrapupSeconds = Number(wrapup);
    if (!/^[A-Za-z0-9_-]+$/.test(name) || !Number.isInteger(wrapupSeconds) || wrapupSeconds < 0) {
      throw new UsageError(`--queues: "${part}" is not name:wrapupSeconds (e.g. support:10)`);
    }
    return { name, wrapupSeconds };
  });
}

/** Agent i is in queue j when i is a multiple of j+1: all in the first, half in the second, ... */
function spreadMembers(queues: readonly QueueSettings[], agents: number, first: number): Record<string, string[]> {
  return Object.fromEntries(
    queues.map((q, j) => [q.name, Array.from({ length: agents }, (_, i) => i).filter((i) => i % (j + 1) === 0).map((i) => String(first + i))]),
  );
}

function classes(name: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(",").map((c) => c.trim().toLowerCase()).filter((c) => c !== "");
  const known = ["system", "call", "agent", "log", "verbose", "command", "user", "config", "dtmf", "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security", "message", "all"];
  const unknown = list.filter((c) => !known.includes(c));
  if (unknown.length > 0) throw new UsageError(`--${name}: unknown class ${unknown.join(", ")}`);
  return list;
}
