// The service as users run it: `node --import tsx src/main.ts` in a child process, configured only
// by environment, observed only through HTTP, GraphQL and graphql-ws, its log written to a file.
//
//   const svc = await startServiceProcess({ ami, database: { kind: "postgres", url } });
//   await svc.graphql(AGENTS_QUERY); svc.subscribe(); svc.logs(); await svc.stop(); // exit code
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "../helpers/wait-for.ts";
import { AGENTS_QUERY, AMI_STATUS_QUERY, type AgentView, type AmiStatusView } from "./agent-api.ts";
import { eventually } from "./eventually.ts";
import { freePort } from "./free-port.ts";
import type { AmiSettings } from "./pbx-driver.ts";
import { SubscriptionRecorder } from "./subscription-recorder.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export type ServiceDatabase = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };

export interface ServiceProcessOptions {
  ami: AmiSettings;
  database: ServiceDatabase;
  /** Extra or overriding environment (AMI_PING_INTERVAL_MS, ...). */
  env?: Record<string, string>;
  /** Reuse a port (a restarted service keeps its URL). */
  port?: number;
  /** Appended to, so a restarted service keeps one log. */
  logFile?: string;
  /** For messages and the log file name. */
  name?: string;
}

export interface GraphQLResult<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Short intervals so a frozen or restarted PBX is noticed within seconds. */
export const FAST_AMI_ENV: Readonly<Record<string, string>> = {
  AMI_PING_INTERVAL_MS: "2000",
  AMI_RECONNECT_MAX_MS: "2000",
  AMI_ACTION_TIMEOUT_MS: "5000",
};

const running = new Set<ChildProcess>();
// A failed test must not leave services running.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export class ServiceProcess {
  readonly url: string;
  readonly wsUrl: string;
  readonly exited: Promise<Exit>;
  private exitInfo: Exit | null = null;
  private readonly recorders = new Set<SubscriptionRecorder>();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
    readonly options: ServiceProcessOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}/graphql`;
    this.exited = new Promise((resolvePromise) =>
      child.once("exit", (code, signal) => {
        running.delete(child);
        this.exitInfo = { code, signal };
        resolvePromise(this.exitInfo);
      }),
    );
  }

  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    // A port picked here can be taken by another process before the child binds it: pick again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await ServiceProcess.spawn(options, options.port ?? (await freePort()));
      } catch (error) {
        if (options.port !== undefined || attempt === 3 || !(error instanceof PortTakenError)) throw error;
      }
    }
  }

  private static async spawn(options: ServiceProcessOptions, port: number): Promise<ServiceProcess> {
    const logFile = options.logFile ?? join(mkdtempSync(join(tmpdir(), "aa-service-")), `${options.name ?? "service"}.log`);
    const database =
      options.database.kind === "postgres" ? { DATABASE_URL: options.database.url } : { DATA_DIR: options.database.dataDir };
    const env: NodeJS.ProcessEnv = {
      ...withoutServiceSettings(process.env),
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      AMI_HOST: options.ami.host,
      AMI_PORT: String(options.ami.port),
      AMI_USERNAME: options.ami.username,
      AMI_SECRET: options.ami.secret,
      ...database,
      ...options.env,
    };
    const logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
    const log = openSync(logFile, "a");
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: REPO, env, stdio: ["ignore", log, log] });
    closeSync(log);
    running.add(child);
    const service = new ServiceProcess(child, port, logFile, options);
    await service.waitHealthy(logOffset);
    return service;
  }

  /** The same service again on the same port, database and log (after stop or kill). */
  restart(overrides: Partial<ServiceProcessOptions> = {}): Promise<ServiceProcess> {
    if (!this.exitInfo) throw new Error("restart() needs the service stopped first");
    return ServiceProcess.start({ ...this.options, port: this.port, logFile: this.logFile, ...overrides });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Still running (no crash). */
  get alive(): boolean {
    return this.exitInfo === null;
  }

  async graphql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> {
    const response = await fetch(`${this.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { data?: T; errors?: GraphQLResult<T>["errors"] };
    return { status: response.status, ...body };
  }

  /** A query that must succeed: its data. */
  async query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const result = await this.graphql<T>(query, variables);
    if (result.errors?.length || !result.data) throw new Error(`GraphQL failed (${result.status}): ${JSON.stringify(result.errors)}`);
    return result.data;
  }

  async agents(): Promise<AgentView[]> {
    return (await this.query<{ agents: AgentView[] }>(AGENTS_QUERY)).agents;
  }

  async agent(extension: string): Promise<AgentView | undefined> {
    return (await this.agents()).find((a) => a.extension === extension);
  }

  async amiStatus(): Promise<AmiStatusView> {
    return (await this.query<{ amiStatus: AmiStatusView }>(AMI_STATUS_QUERY)).amiStatus;
  }

  async get(path: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: await response.json() };
  }

  /** A graphql-ws subscriber of agentStatus (all agents unless `extensions`). */
  subscribe(extensions?: readonly string[]): SubscriptionRecorder {
    const recorder = new SubscriptionRecorder(this.wsUrl, extensions);
    this.recorders.add(recorder);
    return recorder;
  }

  waitFor<T>(probe: () => Promise<T | false | null | undefined>, timeoutMs: number, message: string): Promise<T> {
    return eventually(probe, { timeoutMs, message: `${this.options.name ?? "service"}: ${message}` });
  }

  /** Logged in to AMI and the resync after it is applied. */
  waitSynced(timeoutMs = 15_000): Promise<AmiStatusView> {
    return this.waitFor(async () => {
      const status = await this.amiStatus();
      return status.connected && status.synced ? status : null;
    }, timeoutMs, "AMI connected and synced");
  }

  /** Everything the process printed so far (pino JSON lines). */
  logs(): string {
    return readFileSync(this.logFile, "utf8");
  }

  logLines(): Array<Record<string, unknown>> {
    return this.logs()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** SIGTERM and wait for the exit (callers expect code 0). */
  async stop(timeoutMs = 20_000): Promise<Exit> {
    await this.closeRecorders();
    if (this.exitInfo) return this.exitInfo;
    this.child.kill("SIGTERM");
    const exit = await Promise.race([this.exited, sleep(timeoutMs).then(() => null)]);
    if (exit) return exit;
    this.child.kill("SIGKILL");
    throw new Error(`${this.options.name ?? "service"} did not exit within ${timeoutMs} ms of SIGTERM`);
  }

  async kill(): Promise<Exit> {
    await this.closeRecorders();
    if (!this.exitInfo) this.child.kill("SIGKILL");
    return this.exited;
  }

  private async closeRecorders(): Promise<void> {
    await Promise.all([...this.recorders].map((r) => r.close().catch(() => undefined)));
    this.recorders.clear();
  }

  /**
   * Healthy means: this child logged "service started" on its port, and /healthz answers. The log
   * line comes first because another process may answer on a port this child failed to bind.
   */
  private async waitHealthy(logOffset: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const log = readFileSync(this.logFile).subarray(logOffset).toString("utf8");
      if (this.exitInfo) {
        if (log.includes("EADDRINUSE")) throw new PortTakenError(this.port);
        throw new Error(`service exited during start (${JSON.stringify(this.exitInfo)}); log:\n${tail(log)}`);
      }
      if (log.includes(`"url":"${this.url}"`) && /"msg":"service started"/.test(log)) {
        try {
          const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
          if (response.ok && this.alive) return;
        } catch {
          // not answering yet
        }
      }
      if (Date.now() > deadline) {
        this.child.kill("SIGKILL");
        throw new Error(`service not healthy within 60 s; log:\n${tail(log)}`);
      }
      await sleep(50);
    }
  }
}

class PortTakenError extends Error {
  constructor(port: number) {
    super(`port ${port} was taken before the service could listen on it`);
    this.name = "PortTakenError";
  }
}

/** The test runner's own settings must not leak into the service (e.g. a developer's DATABASE_URL). */
function withoutServiceSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = /^(AMI_|DATABASE_URL$|DATA_DIR$|DB_|PJSIP_REALTIME|PORT$|HOST$|LOG_LEVEL$|LOG_FORMAT$|STATUS_CACHE_TTL_MS$|WRITE_|GRAPHIQL$|GRAPHQL_|SHUTDOWN_TIMEOUT_MS$|NODE_ENV$)/;
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.test(name)));
}

function tail(text: string, lines = 30): string {
  return text.split("\n").slice(-lines).join("\n");
}
