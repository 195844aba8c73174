import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { createLogger, formatPretty } from "../../src/logger.ts";

describe("loadConfig", () => {
  it("has working defaults: embedded database, port 4000, 5 s cache", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      http: { port: 4000 },
      db: { url: undefined, dataDir: "./data", flushIntervalMs: 100 },
      cache: { ttlMs: 5000 },
      ami: { host: "127.0.0.1", port: 5038, username: "crm" },
      log: { level: "info" },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads every setting", () => {
    const config = loadConfig({
      AMI_HOST: "pbx.local",
      AMI_PORT: "5039",
      AMI_USERNAME: "crm2",
      AMI_SECRET: "s",
      DATABASE_URL: "postgresql://u@db/x",
      PORT: "8080",
      STATUS_CACHE_TTL_MS: "250",
      LOG_LEVEL: "debug",
      NODE_ENV: "production",
      AUTH_MODE: "open",
    });
    expect(config).toMatchObject({
      ami: { host: "pbx.local", port: 5039, username: "crm2", secret: "s" },
      db: { url: "postgresql://u@db/x" },
      http: { port: 8080 },
      cache: { ttlMs: 250 },
      log: { level: "debug" },
      graphql: { maskErrors: true },
    });
  });

  it("names every bad value in one clear error, never showing the secret", () => {
    let error: unknown;
    try {
      loadConfig({ AMI_PORT: "70000", PORT: "http", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud", STATUS_CACHE_TTL_MS: "-1", AMI_SECRET: "x" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ["AMI_PORT=\"70000\"", "PORT=\"http\"", "DATABASE_URL=\"mysql://x\"", "LOG_LEVEL=\"loud\"", "STATUS_CACHE_TTL_MS=\"-1\""]) {
      expect(message).toContain(name);
    }
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it("reads and bounds the AMI messages handled per event-loop turn", () => {
    expect(loadConfig({}).ami.messagesPerTurn).toBe(200);
    expect(loadConfig({ AMI_MESSAGES_PER_TURN: "50" }).ami.messagesPerTurn).toBe(50);
    for (const bad of ["0", "100001", "many", "1.5"]) expect(() => loadConfig({ AMI_MESSAGES_PER_TURN: bad })).toThrow(/AMI_MESSAGES_PER_TURN/);
    expect(loadConfig({}).ami.maxBacklogBytes).toBe(64 * 1024 * 1024);
    expect(loadConfig({ AMI_MAX_BACKLOG_BYTES: "2000000" }).ami.maxBacklogBytes).toBe(2_000_000);
    for (const bad of ["1000", "5000000000", "lots"]) expect(() => loadConfig({ AMI_MAX_BACKLOG_BYTES: bad })).toThrow(/AMI_MAX_BACKLOG_BYTES/);
  });

  it("reads and bounds the quiet time before idle memory is returned (0: never)", () => {
    expect(loadConfig({}).memoryReleaseIdleMs).toBe(10_000);
    expect(loadConfig({ MEMORY_RELEASE_IDLE_MS: "0" }).memoryReleaseIdleMs).toBe(0);
    expect(loadConfig({ MEMORY_RELEASE_IDLE_MS: "60000" }).memoryReleaseIdleMs).toBe(60_000);
    for (const bad of ["-1", "3600001", "soon", "2.5"]) expect(() => loadConfig({ MEMORY_RELEASE_IDLE_MS: bad })).toThrow(/MEMORY_RELEASE_IDLE_MS/);
  });

  it("validates every limit of the database, stop and log settings", () => {
    expect(loadConfig({})).toMatchObject({
      db: { readTimeoutMs: 300, queryTimeoutMs: 5_000, connectTimeoutMs: 2_000, startupWaitMs: 30_000, healthIntervalMs: 2_000 },
      shutdownTimeoutMs: 1_000,
      log: { format: "auto" },
    });
    expect(loadConfig({ DB_READ_TIMEOUT_MS: "150", DB_STARTUP_WAIT_MS: "0", LOG_FORMAT: "pretty", SHUTDOWN_TIMEOUT_MS: "1500" })).toMatchObject({
      db: { readTimeoutMs: 150, startupWaitMs: 0 },
      log: { format: "pretty" },
      shutdownTimeoutMs: 1_500,
    });
    const bad = { DB_READ_TIMEOUT_MS: "5", DB_QUERY_TIMEOUT_MS: "1e9", DB_CONNECT_TIMEOUT_MS: "soon", SHUTDOWN_TIMEOUT_MS: "0", LOG_FORMAT: "xml", DB_HEALTH_INTERVAL_MS: "-3" };
    const error = (() => {
      try {
        loadConfig(bad);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("accepted");
    })();
    expect(error.problems.map((p) => p.split("=")[0]).sort()).toEqual(Object.keys(bad).sort());
  });
});

describe("loadConfig: security settings", () => {
  const hash = "a".repeat(64);

  it("production refuses to start without credentials unless told to run open; open is the default elsewhere", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/AUTH_MODE: NODE_ENV=production needs credentials/);
    expect(loadConfig({ NODE_ENV: "production", AUTH_MODE: "open" }).auth.mode).toBe("open");
    expect(loadConfig({}).auth.mode).toBe("open");
    expect(loadConfig({ NODE_ENV: "production", AUTH_API_KEYS: `crm:supervisor:${hash}` }).auth).toMatchObject({
      mode: "token",
      apiKeys: [{ name: "crm", role: "supervisor", sha256: hash, extensions: [] }],
    });
    expect(() => loadConfig({ AUTH_MODE: "token" })).toThrow(/AUTH_MODE=token: set/);
  });

  it("several instances: REDIS_URL turns the cluster on, needs PostgreSQL, validates its limits and never echoes the URL", () => {
    expect(loadConfig({}).cluster).toBeNull();
    const pg = "postgresql://crm@db/crm";
    const cluster = loadConfig({ REDIS_URL: "redis://:pw@redis:6379/2", DATABASE_URL: pg, PBX_NAME: "east", INSTANCE_ID: "a" }).cluster;
    expect(cluster).toMatchObject({ redisUrl: "redis://:pw@redis:6379/2", preferredPbxs: null, instanceId: "a", leaseMs: 3_000, pollMs: 500, redisGraceMs: 2_000, streamMaxLen: 100_000 });
    expect(() => loadConfig({ REDIS_URL: "redis://redis" })).toThrow(/REDIS_URL: several instances need a shared PostgreSQL/);
    expect(() => loadConfig({ REDIS_URL: "redis://redis", DATABASE_URL: pg, CLUSTER_LEASE_MS: "1000", CLUSTER_POLL_MS: "1000" })).toThrow(/CLUSTER_LEASE_MS=1000: must be longer than CLUSTER_POLL_MS/);
    let error: unknown;
    try {
      loadConfig({ REDIS_URL: "http://:secretpw@redis", PBX_NAME: "a b" });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems.map((p) => p.split("=")[0]).sort()).toEqual(["PBX_NAME", "REDIS_URL"]);
    expect((error as ConfigError).message).not.toContain("secretpw");
  });

  it("several PBXs: AMI_PBXS is a JSON array of named AMI connections; without it, the one AMI_HOST named PBX_NAME", () => {
    expect(loadConfig({ AMI_HOST: "pbx.local", AMI_SECRET: "s", PBX_NAME: "east" }).pbxs).toEqual([{ name: "east", host: "pbx.local", port: 5038, username: "crm", secret: "s" }]);
    const pbxs = [
      { name: "east", host: "10.0.0.1", secret: "topsecret-east" },
      { name: "west", host: "10.0.0.2", port: 5039, username: "crm2", secret: "topsecret-west" },
    ];
    expect(loadConfig({ AMI_PBXS: JSON.stringify(pbxs) }).pbxs).toEqual([
      { name: "east", host: "10.0.0.1", port: 5038, username: "crm", secret: "topsecret-east" },
      { name: "west", host: "10.0.0.2", port: 5039, username: "crm2", secret: "topsecret-west" },
    ]);
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ AMI_PBXS: JSON.stringify(pbxs), AMI_HOST: "x", PBX_NAME: "y" })).toEqual(["AMI_PBXS: replaces AMI_HOST, PBX_NAME; set one or the other"]);
    expect(problems({ AMI_PBXS: JSON.stringify([...pbxs, { name: "east", host: "h", secret: "topsecret-3" }]) })).toEqual(["AMI_PBXS: each name once (east repeated)"]);
    const refused = problems({ AMI_PBXS: JSON.stringify([{ name: "a b", host: "h", port: 70000, secret: "topsecret-4", secrte: "x" }]) });
    expect(refused).toEqual(
      expect.arrayContaining(["AMI_PBXS[0]: Unrecognized key: \"secrte\"", "AMI_PBXS[0].name: 1-64 letters, digits, _ . -", expect.stringMatching(/^AMI_PBXS\[0\]\.port: /)]),
    );
    expect(refused.join("\n")).not.toContain("topsecret");
    expect(problems({ AMI_PBXS: "[]" })).toEqual([expect.stringMatching(/^AMI_PBXS: /)]);
    expect(problems({ AMI_PBXS: '{"name": "topsecret-5"' })).toEqual(["AMI_PBXS=<redacted>: must be a JSON array of {name, host, port, username, secret}"]);
    // Several PBXs with several instances: each PBX its own leader; an instance may prefer some of them.
    const clustered = loadConfig({ AMI_PBXS: JSON.stringify(pbxs), REDIS_URL: "redis://redis", DATABASE_URL: "postgresql://crm@db/crm", CLUSTER_PREFERRED_PBXS: "west" });
    expect(clustered.pbxs.map((pbx) => pbx.name)).toEqual(["east", "west"]);
    expect(clustered.cluster?.preferredPbxs).toEqual(["west"]);
    expect(loadConfig({ AMI_PBXS: JSON.stringify(pbxs), REDIS_URL: "redis://redis", DATABASE_URL: "postgresql://crm@db/crm" }).cluster?.preferredPbxs).toBeNull();
    expect(problems({ AMI_PBXS: JSON.stringify(pbxs), REDIS_URL: "redis://redis", DATABASE_URL: "postgresql://crm@db/crm", CLUSTER_PREFERRED_PBXS: "west,north" })).toEqual([
      "CLUSTER_PREFERRED_PBXS: north not among the PBXs (east, west)",
    ]);
  });

  it("GraphiQL and introspection are off in production unless enabled", () => {
    expect(loadConfig({ NODE_ENV: "production", AUTH_MODE: "open" }).graphql).toMatchObject({ graphiql: false, introspection: false });
    expect(loadConfig({ NODE_ENV: "production", AUTH_MODE: "open", GRAPHIQL: "true", GRAPHQL_INTROSPECTION: "yes" }).graphql).toMatchObject({ graphiql: true, introspection: true });
    expect(loadConfig({}).graphql).toMatchObject({ graphiql: true, introspection: true });
  });

  it("reads JWT settings and checks that they fit together", () => {
    const secret = "s".repeat(40);
    expect(loadConfig({ AUTH_JWT_SECRET: secret, AUTH_JWT_ISSUER: "https://idp", AUTH_JWT_AUDIENCE: "crm", AUTH_ROLE_CLAIM: "realm_access.roles" }).auth).toMatchObject({
      mode: "token",
      jwt: { secret, issuer: "https://idp", audience: "crm", algorithms: ["HS256"] },
      roleClaim: "realm_access.roles",
    });
    expect(() => loadConfig({ AUTH_JWT_SECRET: "short" })).toThrow(/AUTH_JWT_SECRET=<redacted>: must be at least 32 characters/);
    expect(() => loadConfig({ AUTH_JWT_SECRET: secret, AUTH_JWT_ALGORITHMS: "RS256" })).toThrow(/shared secret verifies HS256/);
    expect(() => loadConfig({ AUTH_JWT_SECRET: secret, AUTH_JWKS_URL: "https://idp/jwks" })).toThrow(/set only one of them/);
    expect(() => loadConfig({ AUTH_JWKS_URL: "ftp://idp/jwks" })).toThrow(/AUTH_JWKS_URL/);
  });

  it("validates every limit and list, never echoing API key entries", () => {
    let error: unknown;
    try {
      loadConfig({ AUTH_API_KEYS: "crm:admin:plaintext-key", CORS_ORIGINS: "https://ok.example, https://bad.example/path", WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: "0", HTTP_MAX_HEADER_BYTES: "10", GRAPHQL_MAX_COST: "x" });
    } catch (e) {
      error = e;
    }
    const message = (error as ConfigError).message;
    expect((error as ConfigError).problems).toHaveLength(5);
    expect(message).not.toContain("plaintext-key");
    expect(loadConfig({ CORS_ORIGINS: "https://crm.example.com,http://10.0.0.5:3000" }).http.corsOrigins).toEqual(["https://crm.example.com", "http://10.0.0.5:3000"]);
  });
});

describe("createLogger", () => {
  it("writes JSON lines and redacts secrets wherever they sit", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) });
    const log = createLogger({ level: "info" }, sink);
    log.info({ config: { ami: { host: "h", secret: "top-secret" } }, secret: "s2", auth: { password: "p3" } }, "hello");
    log.info({ token: "t4", params: { apiKey: "k5", authorization: "Bearer t6" }, connectionParams: { token: "t7" }, req: { headers: { "x-api-key": "k8" } } }, "credentials");
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: "info", msg: "hello", config: { ami: { host: "h", secret: "[redacted]" } }, secret: "[redacted]", auth: { password: "[redacted]" } });
    expect(JSON.parse(lines[1]!)).toMatchObject({ token: "[redacted]", params: { apiKey: "[redacted]", authorization: "[redacted]" }, connectionParams: "[redacted]" });
    expect(lines.join("")).not.toMatch(/top-secret|s2|p3|t4|k5|t6|t7|k8/);
  });
});

describe("pretty logs", () => {
  it("renders one readable line per entry from the same (redacted) entry, JSON being the default for a stream", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) });
    createLogger({ level: "info", format: "pretty" }, sink)
      .child({ module: "ami" })
      .warn({ cause: "connect-failed", retryInMs: 789, secret: "hunter2", reason: "connect ECONNREFUSED 127.0.0.1:5038" }, "AMI connection failed");
    expect(lines.join("")).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  ami AMI connection failed  cause=connect-failed retryInMs=789 secret=\[redacted\] reason="connect ECONNREFUSED 127\.0\.0\.1:5038"\n$/);
    expect(formatPretty("not json", false)).toBe("not json");

    const json: string[] = [];
    createLogger({ level: "info", format: "auto" }, new Writable({ write: (chunk, _e, done) => (json.push(String(chunk)), done()) })).info({}, "x");
    expect(JSON.parse(json[0]!)).toMatchObject({ msg: "x" });
  });
});
