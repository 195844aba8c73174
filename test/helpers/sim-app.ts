// The service (startApp on in-memory PGlite) in front of the AMI simulator, in-process, for API tests
// that need live agents: `startSimApp({ env: { CORS_ORIGINS: "http://crm.test" } })`.
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import { MemoryLog } from "./memory-log.ts";
import { waitFor } from "./wait-for.ts";

const synced = (app: App) => waitFor(() => app.services.amiStatus().synced, { timeoutMs: 10_000, message: "the first resync" });

export interface SimApp {
  sim: Simulator;
  app: App;
  log: MemoryLog;
  /** A new service process-equivalent on the same port (new stream, `seq` from 0). */
  restart(): Promise<App>;
  stop(): Promise<void>;
}

export async function startSimApp(options: { env?: Record<string, string>; sim?: Partial<SimulatorOptions> } = {}): Promise<SimApp> {
  const sim = await startSimulator({ agents: 6, qualifyDelayMs: 50, restartQualifyMs: 300, loginFailureDelayMs: 20, ...options.sim });
  const log = new MemoryLog();
  const config = (port: number) =>
    loadConfig({
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: "memory:",
      AMI_HOST: sim.host,
      AMI_PORT: String(sim.port),
      AMI_USERNAME: "crm",
      AMI_SECRET: "crmsecret",
      AMI_PING_INTERVAL_MS: "1000",
      AMI_RECONNECT_MAX_MS: "200",
      WRITE_FLUSH_MS: "20",
      WEB_UI: "false",
      ...options.env,
    });
  const handle: SimApp = {
    sim,
    log,
    app: await startApp(config(0), log),
    async restart() {
      const port = handle.app.port;
      await handle.app.stop();
      handle.app = await startApp(config(port), log);
      await synced(handle.app);
      return handle.app;
    },
    async stop() {
      await handle.app.stop();
      await sim.close();
    },
  };
  await synced(handle.app);
  return handle;
}
