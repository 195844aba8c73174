// One system under test: a fresh database, the AMI source process and the service process (real or
// naive baseline), started in that order, ready once the service has logged in and synced.
import { createBenchDatabase, seedUsers, watchWrites, type BenchDatabase } from "./bench-database.ts";
import { nowMs, sleep } from "./clock.ts";
import { readUsage, type Usage } from "./proc-usage.ts";
import { LOG_DIR, startChild, type Child } from "./rpc.ts";
import type { AgentSpec } from "./ami-load-source.ts";
import type { AmiStatusModel } from "../../src/graphql/models.ts";

export type Variant = "real" | "naive";

export interface ServiceUnderTest {
  variant: Variant;
  db: BenchDatabase;
  source: Child;
  service: Child;
  backend: string;
  url: string;
  port: number;
  extensions: string[];
  usage(): Usage;
  amiStatus(): Promise<AmiStatusModel>;
  stop(): Promise<void>;
}

let instance = 0;

export interface SutOptions {
  /** Log every ps_endpoints write in the database (watchWrites): for the scenarios that time event → DB.
   * Off, PostgreSQL does only the service's work (the log is an insert per row the service writes). */
  logWrites?: boolean;
}

/** `sourceScript`: the bench/procs process that serves AMI (its `start(agents)` answers host and port). */
export async function startServiceUnderTest(variant: Variant, label: string, agents: AgentSpec, sourceScript = "ami-source", options: SutOptions = {}): Promise<ServiceUnderTest> {
  const name = `${label}-${variant}-${++instance}`;
  const db = await createBenchDatabase(name);
  const children: Child[] = [];
  try {
    const source = await startChild(sourceScript, `${name}-ami`);
    children.push(source);
    const ami = await source.call<{ backend: string; host: string; port: number }>("start", agents);
    const service = await startChild(
      "service",
      `${name}-service`,
      {
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "warn",
        DATABASE_URL: db.url,
        AMI_HOST: ami.host,
        AMI_PORT: String(ami.port),
        AMI_USERNAME: "crm",
        AMI_SECRET: "crmsecret",
        GRAPHIQL: "false",
        // The figures are the data path's: no credentials to verify, one client address opening
        // 10,000 sockets, and refreshes back to back (the security limits have their own suites).
        AUTH_MODE: "open",
        WS_MAX_CONNECTIONS_PER_IP: "1000000",
        REFRESH_MIN_INTERVAL_MS: "0",
      },
      [variant],
      // gc: RSS per connection is measured after a collection. BENCH_CPU_PROF=1: a .cpuprofile per service.
      // BENCH_NODE_FLAGS: more flags for the service's node (e.g. "--trace-gc"; its output goes to the service's log).
      ["--expose-gc", ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${LOG_DIR}`] : []), ...(process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [])],
    );
    children.push(service);
    const info = await service.call<{ url: string; port: number }>("info");
    const amiStatus = () => service.call<AmiStatusModel>("amiStatus");
    const deadline = nowMs() + 60_000;
    while (!(await amiStatus()).synced) {
      if (nowMs() > deadline) throw new Error(`${name}: the service did not sync with AMI within 60 s`);
      await sleep(50);
    }
    await seedUsers(db, agents.first, agents.count);
    // Applied now (a refresh reloads the users first), not by the periodic reload in the middle of a
    // measured window: regrouping every agent under its new user is a one-off cost no scenario measures.
    // A loaded machine can lose the AMI session to the simulator's 100 ms writetimeout (503): once more.
    for (let attempt = 1; ; attempt++) {
      const refreshed = await fetch(`${info.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "application/json" } });
      if (refreshed.ok) break;
      const text = await refreshed.text();
      if (refreshed.status !== 503 || attempt === 3) throw new Error(`${name}: refresh after seeding the users answered ${refreshed.status}: ${text}`);
      while (!(await amiStatus()).synced) await sleep(100);
    }
    if (options.logWrites ?? true) await watchWrites(db);
    return {
      variant,
      db,
      source,
      service,
      backend: ami.backend,
      url: info.url,
      port: info.port,
      extensions: Array.from({ length: agents.count }, (_, i) => String(agents.first + i)),
      usage: () => readUsage(service.pid),
      amiStatus,
      async stop() {
        await service.call("stop").catch(() => undefined);
        await Promise.all(children.map((c) => c.stop()));
        await db.drop();
      },
    };
  } catch (error) {
    await Promise.all(children.map((c) => c.stop()));
    await db.drop();
    throw error;
  }
}

/** Waits until the write log has stopped growing for quietMs (or timeoutMs passed). */
export async function waitForWritesToSettle(db: BenchDatabase, quietMs: number, timeoutMs: number): Promise<void> {
  const until = nowMs() + timeoutMs;
  let last = -1;
  while (nowMs() < until) {
    const [row] = await db.query<{ n: string }>("SELECT count(*) AS n FROM bench_endpoint_writes");
    const count = Number(row?.n ?? 0);
    if (count === last) return;
    last = count;
    await sleep(quietMs);
  }
}
