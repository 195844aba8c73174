// Start the whole service in-process (startApp) against a fake AMI peer and a real database,
// with a JSON log captured in memory: for API tests over real HTTP and graphql-ws.
//
//   const svc = await startService({ ami: peer, database: "pglite" | "postgres" });
//   await svc.graphql("{ agents { extension status } }");   // POST /graphql, returns { data, errors }
//   svc.logText()                                           // every log line so far
//   await svc.stop();                                       // stops the app, drops the test database
import { Writable } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startApp, type App } from "../../src/app.ts";
import { adminQuery, ADMIN_POSTGRES_URL, withDatabase } from "./databases.ts";
import { randomUUID } from "node:crypto";

export type DatabaseKind = "pglite" | "postgres";

export interface ServiceOptions {
  ami: { host?: string; port: number; secret?: string };
  database: DatabaseKind;
  /** Reuse a database from an earlier service (restart tests). */
  reuse?: { url?: string; dataDir?: string };
  env?: Record<string, string>;
}

export interface TestService {
  app: App;
  url: string;
  databaseUrl?: string;
  dataDir?: string;
  graphql<T = any>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }>; status: number }>;
  logLines: string[];
  logText(): string;
  /** Stop the app; keep the database when `keepDatabase` (for a restart). */
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<TestService> {
  let databaseUrl = options.reuse?.url;
  let dataDir = options.reuse?.dataDir;
  if (!options.reuse) {
    if (options.database === "postgres") {
      const name = `test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
      await adminQuery(`CREATE DATABASE "${name}"`);
      databaseUrl = withDatabase(ADMIN_POSTGRES_URL, name);
    } else {
      dataDir = await mkdtemp(join(tmpdir(), "aa-pglite-"));
    }
  }
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "debug",
    AMI_HOST: options.ami.host ?? "127.0.0.1",
    AMI_PORT: String(options.ami.port),
    AMI_USERNAME: "crm",
    AMI_SECRET: options.ami.secret ?? "crmsecret",
    AMI_PING_INTERVAL_MS: "1000",
    AMI_RECONNECT_MAX_MS: "500",
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    // API tests call refresh back to back; the rate limit has its own tests (test/api/http-limits.test.ts).
    REFRESH_MIN_INTERVAL_MS: "0",
    ...options.env,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const app = await startApp(config, createLogger({ level: "debug" }, sink));
  return {
    app,
    url: app.url,
    databaseUrl,
    dataDir,
    logLines,
    logText: () => logLines.join("\n"),
    async graphql(query, variables) {
      const response = await fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async stop(stopOptions = {}) {
      await app.stop();
      if (stopOptions.keepDatabase) return;
      if (databaseUrl && !options.reuse) await adminQuery(`DROP DATABASE IF EXISTS "${new URL(databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
      if (dataDir && !options.reuse) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
