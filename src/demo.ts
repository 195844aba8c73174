// Process entry of `npm run demo`: the service with no Asterisk needed. Starts the AMI simulator
// (50 agents changing state a few times a second: calls, DND, presence away for lunch, pauses in the
// queues support and sales, queue calls followed by wrap-up), then the service pointed at it, on the embedded
// database (./data unless DATABASE_URL / DATA_DIR say otherwise). Open the printed GraphiQL URL and
// run the prefilled subscription to watch agents change live.
//
//   npm run demo                              # 50 agents, 5 state events/s, HTTP on PORT (4000)
//   npm run demo -- --agents 500 --rate 50    # more of everything
//   npm run demo -- --queues support:5,sales:10,billing:30 --agent-activity 0.5
import { startApp, type App } from "./app.ts";
import { demoUsers, seedDemoUsers } from "./demo-users.ts";
import { openDatabase } from "./store/database.ts";
import { ConfigError, loadConfigWith, type Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { exitOnShutdownSignals } from "./shutdown-signals.ts";
import { parseSimulatorArgs, simulatorUsage, UsageError } from "./simulator/cli-args.ts";
import { startSimulator, type Simulator } from "./simulator/simulator.ts";

const DEFAULTS = { port: 0, rate: 5 };
/** 52 extensions: 50 people, two of them with a softphone as well (src/demo-users.ts). */
const DEMO_EXTENSIONS = "52";
const USAGE = () => simulatorUsage("Demo: the service plus a simulated Asterisk (--port is the simulator's AMI port).", "npm run demo --", DEFAULTS);

async function main(argv: readonly string[]): Promise<void> {
  let args;
  let settings: Config;
  try {
    args = parseSimulatorArgs(argv.some((a) => a === "--agents" || a.startsWith("--agents=")) ? argv : ["--agents", DEMO_EXTENSIONS, ...argv], DEFAULTS);
    settings = loadConfigWith({});
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE()}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE());
    return;
  }
  const log = createLogger({ level: settings.log.level });
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled promise rejection"));

  let simulator: Simulator;
  let app: App;
  try {
    // Activity starts once the service is up, so the first snapshot and every change after it are seen.
    simulator = await startSimulator({ ...args.options, eventsPerSecond: 0, log: log.child({ module: "simulator" }) });
    const { username = "crm", secret = "crmsecret" } = args.options;
    // The demo always talks to its own simulator, whatever AMI_* say.
    // ...and knows its queues' wrapuptime (no AMI field carries it) and that LastCall is shared, as in the lab.
    const wrapUps = (args.options.queues ?? []).map((q) => `${q.name}=${q.wrapupSeconds ?? 5}`).join(",");
    const config = loadConfigWith({
      AMI_HOST: simulator.host,
      AMI_PORT: String(simulator.port),
      AMI_USERNAME: username,
      AMI_SECRET: secret,
      QUEUE_WRAPUP_SECONDS: wrapUps,
      QUEUE_SHARED_LASTCALL: "true",
    });
    await seedUsers(config, args.options.agents, args.options.firstExtension ?? 1000, log);
    app = await startApp(config, log);
  } catch (error) {
    log.fatal({ err: error }, "demo start-up failed");
    process.exit(1);
  }

  simulator.setEventRate(args.options.eventsPerSecond ?? 0);
  const base = `http://localhost:${app.port}`;
  log.info(
    {
      wallboard: `${base}/`,
      graphiql: `${base}/graphiql`,
      agents: `${base}/api/ami/extensions`,
      simulator: `${simulator.host}:${simulator.port}`,
      eventsPerSecond: args.options.eventsPerSecond,
      queues: (args.options.queues ?? []).map((q) => `${q.name} (wrap-up ${q.wrapupSeconds ?? 5} s)`),
    },
    `demo running: open ${base}/ (the wallboard) to watch the simulated agents change live, or ${base}/graphiql (Ctrl-C to stop)`,
  );
  exitOnShutdownSignals({
    log,
    timeoutMs: settings.shutdownTimeoutMs + 5_000,
    stop: async () => {
      simulator.setEventRate(0);
      await app.stop();
      await simulator.close();
    },
  });
}

/** Names for the simulated extensions, written before the service loads its users (demo only). */
async function seedUsers(config: Config, extensions: number, first: number, log: ReturnType<typeof createLogger>): Promise<void> {
  const db = await openDatabase({ url: config.db.url, dataDir: config.db.dataDir, migrate: true, log: log.child({ module: "db" }) });
  try {
    const seeded = await seedDemoUsers(db.prisma, demoUsers(extensions, first));
    log.info({ users: seeded }, seeded > 0 ? "demo users written" : "users exist already: demo users not written");
  } finally {
    await db.close();
  }
}

void main(process.argv.slice(2));
