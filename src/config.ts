// The only reader of process.env: every setting validated once at start, typed and frozen.
import { z } from "zod";
import { SQL_IDENTIFIER, type RealtimeSettings } from "./store/asterisk-realtime.ts";
import { DEFAULT_PGLITE, type PgliteSettings } from "./store/pglite.ts";

const port = z.coerce.number().int().min(0).max(65535);
// Durations end up in setTimeout, which treats anything above 2^31-1 ms as 1 ms.
const ms = (def: number, min = 1, max = 2 ** 31 - 1) => z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");
const optionalBool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === "true" || v === "1" || v === "yes"));
const sqlIdentifier = z.string().regex(SQL_IDENTIFIER, "must be a plain lower-case SQL identifier (a-z, 0-9, _; at most 63 characters)");
const pbxName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1-64 letters, digits, _ . -");
const count = (def: number, min = 1, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);
const list = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(/[,\s]+/)
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  );

export const ROLES = ["agent", "supervisor", "operator"] as const;
export type Role = (typeof ROLES)[number];

/** `name:role:sha256hex[:ext1|ext2]`: the key itself never appears in the configuration. */
const API_KEY_ENTRY = /^([A-Za-z0-9_.-]{1,64}):(agent|supervisor|operator):([0-9a-f]{64})(?::([0-9A-Za-z_.+*#-]+(?:\|[0-9A-Za-z_.+*#-]+)*))?$/;
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: port.default(4000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["auto", "pretty", "json"]).default("auto"),

  AMI_HOST: z.string().min(1).default("127.0.0.1"),
  AMI_PORT: port.default(5038),
  AMI_USERNAME: z.string().min(1).default("crm"),
  AMI_SECRET: z.string().default(""),
  AMI_ACTION_TIMEOUT_MS: ms(10_000),
  AMI_PING_INTERVAL_MS: ms(10_000, 100),
  AMI_RECONNECT_MAX_MS: ms(30_000, 100),

  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|memory:$)/, "must be a postgresql:// URL (or memory: for an in-memory PGlite)")
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  PGLITE_SHARED_BUFFERS_MB: count(DEFAULT_PGLITE.sharedBuffersMb, 1, 4096),
  PJSIP_REALTIME: z.enum(["auto", "on", "off"]).default("auto"),
  PJSIP_REALTIME_SCHEMA: sqlIdentifier.default("public"),
  PJSIP_REALTIME_SERVICE_SCHEMA: sqlIdentifier.default("agent_availability"),
  WRITE_FLUSH_MS: ms(100),
  WRITE_MAX_BATCH: ms(1000),
  DB_READ_TIMEOUT_MS: ms(300, 10, 60_000),
  DB_QUERY_TIMEOUT_MS: ms(5_000, 100, 600_000),
  DB_CONNECT_TIMEOUT_MS: ms(2_000, 100, 60_000),
  DB_STARTUP_WAIT_MS: ms(30_000, 0, 3_600_000),
  DB_HEALTH_INTERVAL_MS: ms(2_000, 100, 60_000),

  AMI_MAX_LINE_BYTES: count(64 * 1024, 1024),
  AMI_MAX_MESSAGE_BYTES: count(1024 * 1024, 4 * 1024),
  AMI_MALFORMED_RESYNC_INTERVAL_MS: ms(5_000, 100),
  AMI_MESSAGES_PER_TURN: count(200, 1, 100_000),
  AMI_MAX_BACKLOG_BYTES: count(64 * 1024 * 1024, 1024 * 1024, 4 * 1024 * 1024 * 1024),

  STATUS_CACHE_TTL_MS: ms(5_000, 0),
  RESPONSE_CACHE_MAX_ENTRIES: count(5_000, 1, 1_000_000),
  RESPONSE_CACHE_MAX_BYTES: count(32 * 1024 * 1024, 0, 4 * 1024 * 1024 * 1024),
  // Unset: on outside production, off in production.
  GRAPHIQL: optionalBool,
  GRAPHQL_INTROSPECTION: optionalBool,
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(8),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(50).default(2_000),
  GRAPHQL_MAX_ALIASES: count(15, 0, 1_000),
  GRAPHQL_MAX_DIRECTIVES: count(20, 0, 1_000),
  GRAPHQL_MAX_COST: count(5_000, 10),
  SHUTDOWN_TIMEOUT_MS: ms(1_000, 100, 60_000),

  AUTH_MODE: z.enum(["open", "token"]).optional(),
  AUTH_JWT_SECRET: z.string().min(32, "must be at least 32 characters (256 bits)").optional(),
  AUTH_JWT_PUBLIC_KEY: z.string().includes("-----BEGIN PUBLIC KEY-----", { message: "must be a PEM (SPKI) public key" }).optional(),
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  AUTH_JWT_ALGORITHMS: list.pipe(z.array(z.enum(["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]))),
  AUTH_JWT_CLOCK_TOLERANCE_S: count(5, 0, 300),
  AUTH_ROLE_CLAIM: z.string().min(1).default("role"),
  AUTH_EXTENSIONS_CLAIM: z.string().min(1).default("extensions"),
  AUTH_REVOCATION_REFRESH_MS: ms(5_000, 200, 600_000),
  AUTH_REVOCATION_RETENTION_S: count(86_400, 60, 366 * 86_400),
  AUTH_API_KEYS: list.pipe(z.array(z.string().regex(API_KEY_ENTRY, "each entry must be name:role:sha256hex[:ext1|ext2]"))),

  HTTP_HEADERS_TIMEOUT_MS: ms(10_000, 100),
  HTTP_REQUEST_TIMEOUT_MS: ms(30_000, 100),
  HTTP_MAX_HEADER_BYTES: count(16 * 1024, 1024, 1024 * 1024),
  HTTP_MAX_BODY_BYTES: count(1024 * 1024, 1024, 64 * 1024 * 1024),
  WS_MAX_PAYLOAD_BYTES: count(64 * 1024, 1024, 64 * 1024 * 1024),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: count(25, 1, 10_000),
  WS_MAX_CONNECTIONS_PER_IP: count(500, 1, 1_000_000),
  REFRESH_MIN_INTERVAL_MS: ms(10_000, 0),

  DND_DEVICE: z.string().regex(/^[^\s,&]*\{ext\}[^\s,&]*$/, "must contain {ext} once and no spaces, commas or &").default("Custom:DND{ext}"),
  PRESENCE_PROVIDER: z.string().regex(/^[^\s,&]*\{ext\}[^\s,&]*$/, "must contain {ext} once and no spaces, commas or &").default("CustomPresence:{ext}"),
  QUEUE_WRAPUP_SECONDS: z
    .string()
    .regex(/^\s*([^=,\s]+=\d{1,5}\s*(,\s*|$))*$/, "must be queue=seconds pairs separated by commas, e.g. support=5,sales=10")
    .default(""),
  QUEUE_WRAPUP_DEFAULT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
  QUEUE_SHARED_LASTCALL: bool(false),
  USERS_REFRESH_MS: ms(30_000, 1_000),
  // Quiet time (no AMI message, no HTTP request) after a resync before the heap's free memory is handed back to the OS; 0: never.
  MEMORY_RELEASE_IDLE_MS: ms(10_000, 0, 3_600_000),

  // Browser origins allowed to call the API (CORS on HTTP, Origin on the graphql-ws upgrade).
  // `*` (alone) allows any origin; credentials (cookies) are never allowed either way.
  CORS_ORIGINS: list.pipe(
    z
      .array(z.string().regex(new RegExp(`${ORIGIN.source}|^\\*$`), "each origin must be scheme://host[:port], without a path (or * alone)"))
      .refine((origins) => !origins.includes("*") || origins.length === 1, "* must be the only entry")
      // Browsers send scheme and host in lower case.
      .transform((origins) => origins.map((origin) => origin.toLowerCase())),
  ),
  WEB_UI: bool(true),

  // Several instances (README "Several instances"): unset = one process, in-process fan-out, as before.
  REDIS_URL: z.string().regex(/^rediss?:\/\/[^\s]+$/, "must be a redis:// or rediss:// URL").optional(),
  PBX_NAME: pbxName.default("default"),
  // Several PBXs (README "Several PBXs"): a JSON array of named AMI connections; unset = the one AMI_HOST.
  AMI_PBXS: z.string().optional(),
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1-100 letters, digits, _ . : -").optional(),
  CLUSTER_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1-100 letters, digits, _ . : -").default("agent-availability"),
  CLUSTER_LEASE_MS: ms(3_000, 1_000, 60_000),
  CLUSTER_POLL_MS: ms(500, 50, 10_000),
  CLUSTER_REDIS_GRACE_MS: ms(2_000, 200, 60_000),
  CLUSTER_STREAM_MAXLEN: count(100_000, 100, 100_000_000),
  CLUSTER_PREFERRED_PBXS: z.string().optional(),
});

export interface ApiKeyConfig {
  name: string;
  role: Role;
  /** sha256 of the key, hex. */
  sha256: string;
  extensions: string[];
}

export interface JwtConfig {
  secret?: string;
  publicKeyPem?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  algorithms: string[];
  clockToleranceS: number;
}

export interface AuthConfig {
  /** open: every request is an operator (development, demo, tests); token: JWTs and/or API keys required. */
  mode: "open" | "token";
  jwt: JwtConfig | null;
  apiKeys: ApiKeyConfig[];
  /** Dotted paths into the JWT payload, e.g. `role` or `realm_access.roles`. */
  roleClaim: string;
  extensionsClaim: string;
  /** How often each instance reloads the revoked credentials from the database. */
  revocationRefreshMs: number;
  /** How long a JWT revocation is kept: at least the longest token lifetime your identity provider issues. */
  revocationRetentionS: number;
}

export interface Config {
  env: "development" | "production" | "test";
  http: {
    host: string;
    port: number;
    /** Browser origins allowed to call the API besides the page's own (CORS, WebSocket Origin); ["*"]: any. */
    corsOrigins: string[];
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    maxHeaderBytes: number;
    maxBodyBytes: number;
  };
  auth: AuthConfig;
  ws: { maxPayloadBytes: number; maxSubscriptionsPerConnection: number; maxConnectionsPerIp: number };
  refresh: { minIntervalMs: number };
  /** Serve the wallboard (the built web app) at `/`. */
  web: { enabled: boolean };
  log: { level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"; format: "auto" | "pretty" | "json" };
  ami: {
    host: string;
    port: number;
    username: string;
    secret: string;
    actionTimeoutMs: number;
    pingIntervalMs: number;
    reconnectMaxMs: number;
    maxLineBytes: number;
    maxMessageBytes: number;
    malformedResyncIntervalMs: number;
    messagesPerTurn: number;
    maxBacklogBytes: number;
  };
  db: {
    url: string | undefined;
    dataDir: string;
    /** Next to Asterisk's PJSIP realtime tables: auto-detected, required or refused; and the two schemas. */
    realtime: RealtimeSettings;
    flushIntervalMs: number;
    maxBatch: number;
    /** Deadline of a database read on a request path or in a probe; past it, the live state answers. */
    readTimeoutMs: number;
    /** statement_timeout and client-side query timeout of every pooled PostgreSQL query (writes included). */
    queryTimeoutMs: number;
    /** Deadline of one connection attempt (pool and start-up). */
    connectTimeoutMs: number;
    /** How long start-up keeps retrying a refused or silent database before exiting (0: no retry). */
    startupWaitMs: number;
    /** Period of the background database check behind database_up. */
    healthIntervalMs: number;
    /** Embedded PGlite's memory settings. */
    pglite: PgliteSettings;
  };
  cache: {
    ttlMs: number;
    /** GraphQL query results kept for reuse at most, and bytes of their serialised form (0: not kept). */
    responseMaxEntries: number;
    responseMaxBytes: number;
  };
  graphql: {
    graphiql: boolean;
    introspection: boolean;
    maskErrors: boolean;
    maxDepth: number;
    maxTokens: number;
    maxAliases: number;
    maxDirectives: number;
    maxCost: number;
  };
  agents: {
    /** Names of the DND toggle device and the presence provider; `{ext}` stands for the extension. */
    naming: { dndDevice: string; presenceProvider: string };
    /** queues.conf `wrapuptime` per queue (AMI does not carry it), and for queues not listed. */
    wrapUpSeconds: Readonly<Record<string, number>>;
    defaultWrapUpSeconds: number;
    sharedLastCall: boolean;
    /** How often the CRM's users (and their extensions) are reloaded; also after every resync. */
    usersRefreshMs: number;
  };
  /** Whole stop budget: AMI logoff, flushing pending writes, draining HTTP, closing the database. */
  shutdownTimeoutMs: number;
  /** Quiet time after a resync before unused heap memory is returned to the OS (one full collection); 0: never. */
  memoryReleaseIdleMs: number;
  /** null: one process (no Redis). Otherwise several instances share one AMI reader and a Redis stream. */
  cluster: ClusterConfig | null;
  /** The PBXs watched, each with its own AMI connection (one: AMI_HOST... named PBX_NAME). The shared AMI limits stay in `ami`. */
  pbxs: readonly PbxConfig[];
}

export interface PbxConfig {
  /** Names the PBX: agents' `pbx`, amiStatus, /readyz, metrics labels. */
  name: string;
  host: string;
  port: number;
  username: string;
  secret: string;
}

export interface ClusterConfig {
  redisUrl: string;
  /**
   * The PBXs this instance prefers to lead: it leaves the others to an instance that is up and prefers them,
   * and hands them over when one comes up (null: no preference). Spreads the PBXs' AMI sessions over the instances.
   */
  preferredPbxs: string[] | null;
  /** This instance, as /readyz and amiStatus name the leader. */
  instanceId: string;
  keyPrefix: string;
  /** A leader that stops renewing (frozen, cut off) loses the lock after this long (PostgreSQL idle_session_timeout). */
  leaseMs: number;
  /** How often a follower tries to take the lock. */
  pollMs: number;
  /** A leader that cannot reach Redis this long resigns, so that one that can takes over. */
  redisGraceMs: number;
  /** Deltas kept in the Redis stream (approximate): how far a follower can replay after losing Redis. */
  streamMaxLen: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Parse settings from an environment (process.env by default). Throws ConfigError naming every bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Treat empty strings as unset so `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  if (env.AMI_SECRET === "") cleaned.AMI_SECRET = "";
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join(".");
        const shown = SECRET_SETTINGS.has(name) ? "<redacted>" : JSON.stringify(env[name]);
        return `${name}=${shown}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  const auth = authConfig(e);
  const production = e.NODE_ENV === "production";
  const pbxs = pbxsConfig(e, env);
  return Object.freeze({
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      corsOrigins: e.CORS_ORIGINS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      maxHeaderBytes: e.HTTP_MAX_HEADER_BYTES,
      maxBodyBytes: e.HTTP_MAX_BODY_BYTES,
    },
    auth,
    ws: { maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES, maxSubscriptionsPerConnection: e.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION, maxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP },
    refresh: { minIntervalMs: e.REFRESH_MIN_INTERVAL_MS },
    web: { enabled: e.WEB_UI },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    ami: {
      host: e.AMI_HOST,
      port: e.AMI_PORT,
      username: e.AMI_USERNAME,
      secret: e.AMI_SECRET,
      actionTimeoutMs: e.AMI_ACTION_TIMEOUT_MS,
      pingIntervalMs: e.AMI_PING_INTERVAL_MS,
      reconnectMaxMs: e.AMI_RECONNECT_MAX_MS,
      maxLineBytes: e.AMI_MAX_LINE_BYTES,
      maxMessageBytes: e.AMI_MAX_MESSAGE_BYTES,
      malformedResyncIntervalMs: e.AMI_MALFORMED_RESYNC_INTERVAL_MS,
      messagesPerTurn: e.AMI_MESSAGES_PER_TURN,
      maxBacklogBytes: e.AMI_MAX_BACKLOG_BYTES,
    },
    db: {
      url: e.DATABASE_URL,
      dataDir: e.DATA_DIR,
      realtime: Object.freeze(realtimeSettings(e)),
      flushIntervalMs: e.WRITE_FLUSH_MS,
      maxBatch: e.WRITE_MAX_BATCH,
      readTimeoutMs: e.DB_READ_TIMEOUT_MS,
      queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      startupWaitMs: e.DB_STARTUP_WAIT_MS,
      healthIntervalMs: e.DB_HEALTH_INTERVAL_MS,
      pglite: Object.freeze({ sharedBuffersMb: e.PGLITE_SHARED_BUFFERS_MB }),
    },
    cache: { ttlMs: e.STATUS_CACHE_TTL_MS, responseMaxEntries: e.RESPONSE_CACHE_MAX_ENTRIES, responseMaxBytes: e.RESPONSE_CACHE_MAX_BYTES },
    agents: {
      naming: { dndDevice: e.DND_DEVICE, presenceProvider: e.PRESENCE_PROVIDER },
      wrapUpSeconds: Object.freeze(parsePairs(e.QUEUE_WRAPUP_SECONDS)),
      defaultWrapUpSeconds: e.QUEUE_WRAPUP_DEFAULT_SECONDS,
      sharedLastCall: e.QUEUE_SHARED_LASTCALL,
      usersRefreshMs: e.USERS_REFRESH_MS,
    },
    graphql: {
      graphiql: e.GRAPHIQL ?? !production,
      introspection: e.GRAPHQL_INTROSPECTION ?? !production,
      maskErrors: production,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxCost: e.GRAPHQL_MAX_COST,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    memoryReleaseIdleMs: e.MEMORY_RELEASE_IDLE_MS,
    cluster: clusterConfig(e, env, pbxs.map((pbx) => pbx.name)),
    pbxs,
  });
}

function clusterConfig(e: z.infer<typeof EnvSchema>, env: Record<string, string | undefined>, pbxNames: readonly string[]): ClusterConfig | null {
  if (!e.REDIS_URL) return null;
  // Leadership and fencing live in the one shared database: an embedded PGlite cannot be shared.
  if (!e.DATABASE_URL?.startsWith("postgres")) throw new ConfigError(["REDIS_URL: several instances need a shared PostgreSQL (DATABASE_URL=postgresql://...)"]);
  if (e.CLUSTER_LEASE_MS <= e.CLUSTER_POLL_MS) throw new ConfigError([`CLUSTER_LEASE_MS=${e.CLUSTER_LEASE_MS}: must be longer than CLUSTER_POLL_MS (${e.CLUSTER_POLL_MS})`]);
  const preferred = e.CLUSTER_PREFERRED_PBXS?.split(",").map((name) => name.trim()).filter((name) => name !== "") ?? null;
  const unknown = preferred?.filter((name) => !pbxNames.includes(name)) ?? [];
  if (unknown.length > 0) throw new ConfigError([`CLUSTER_PREFERRED_PBXS: ${unknown.join(", ")} not among the PBXs (${pbxNames.join(", ")})`]);
  return {
    redisUrl: e.REDIS_URL,
    preferredPbxs: preferred,
    instanceId: e.INSTANCE_ID ?? `${env.HOSTNAME ?? "instance"}-${process.pid}`,
    keyPrefix: e.CLUSTER_KEY_PREFIX,
    leaseMs: e.CLUSTER_LEASE_MS,
    pollMs: e.CLUSTER_POLL_MS,
    redisGraceMs: e.CLUSTER_REDIS_GRACE_MS,
    streamMaxLen: e.CLUSTER_STREAM_MAXLEN,
  };
}

const PbxEntry = z
  .object({
    name: pbxName,
    host: z.string().min(1),
    port: port.default(5038),
    username: z.string().min(1).default("crm"),
    secret: z.string().default(""),
  })
  .strict();

/**
 * AMI_PBXS=[{"name":"east","host":"10.0.0.1","port":5038,"username":"crm","secret":"…"}, …] replaces AMI_HOST,
 * AMI_PORT, AMI_USERNAME, AMI_SECRET and PBX_NAME (setting both is refused: which one is meant would be a guess).
 * Problems name the entry and the field, never a value: the secrets are in there.
 */
function pbxsConfig(e: z.infer<typeof EnvSchema>, env: Record<string, string | undefined>): PbxConfig[] {
  if (e.AMI_PBXS === undefined) return [{ name: e.PBX_NAME, host: e.AMI_HOST, port: e.AMI_PORT, username: e.AMI_USERNAME, secret: e.AMI_SECRET }];
  const clashing = ["AMI_HOST", "AMI_PORT", "AMI_USERNAME", "AMI_SECRET", "PBX_NAME"].filter((name) => env[name] !== undefined && env[name] !== "");
  if (clashing.length > 0) throw new ConfigError([`AMI_PBXS: replaces ${clashing.join(", ")}; set one or the other`]);
  let raw: unknown;
  try {
    raw = JSON.parse(e.AMI_PBXS);
  } catch {
    throw new ConfigError(["AMI_PBXS=<redacted>: must be a JSON array of {name, host, port, username, secret}"]);
  }
  const parsed = z.array(PbxEntry).min(1).max(64).safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `AMI_PBXS${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${issue.message}`));
  }
  const names = parsed.data.map((pbx) => pbx.name);
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) throw new ConfigError([`AMI_PBXS: each name once (${[...new Set(repeated)].join(", ")} repeated)`]);
  return parsed.data;
}

/** Asterisk cannot reach an embedded database, and the two schemas must differ. */
function realtimeSettings(e: z.infer<typeof EnvSchema>): RealtimeSettings {
  const problems: string[] = [];
  if (e.PJSIP_REALTIME === "on" && !e.DATABASE_URL?.startsWith("postgres")) {
    problems.push("PJSIP_REALTIME=on: needs DATABASE_URL=postgresql://… (the database Asterisk's res_config_pgsql uses; Asterisk cannot reach an embedded PGlite)");
  }
  if (e.PJSIP_REALTIME_SCHEMA === e.PJSIP_REALTIME_SERVICE_SCHEMA) {
    problems.push(`PJSIP_REALTIME_SERVICE_SCHEMA=${JSON.stringify(e.PJSIP_REALTIME_SERVICE_SCHEMA)}: must differ from PJSIP_REALTIME_SCHEMA (the service's tables would collide with Asterisk's)`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { mode: e.PJSIP_REALTIME, asteriskSchema: e.PJSIP_REALTIME_SCHEMA, serviceSchema: e.PJSIP_REALTIME_SERVICE_SCHEMA };
}

const SECRET_SETTINGS = new Set(["AMI_SECRET", "AUTH_JWT_SECRET", "AUTH_API_KEYS", "REDIS_URL", "AMI_PBXS"]);

/** Safe default: production never runs open by accident; outside production open is the default (demo, tests). */
function authConfig(e: z.infer<typeof EnvSchema>): AuthConfig {
  const keys = [e.AUTH_JWT_SECRET, e.AUTH_JWT_PUBLIC_KEY, e.AUTH_JWKS_URL].filter((k) => k !== undefined);
  const hasJwt = keys.length > 0;
  const hasCredentials = hasJwt || e.AUTH_API_KEYS.length > 0;
  const problems: string[] = [];
  if (keys.length > 1) problems.push("AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL: set only one of them");
  const mode = e.AUTH_MODE ?? (hasCredentials ? "token" : e.NODE_ENV === "production" ? null : "open");
  if (mode === null) {
    problems.push(
      "AUTH_MODE: NODE_ENV=production needs credentials (AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL or AUTH_API_KEYS), or AUTH_MODE=open to run without authentication on purpose",
    );
  }
  if (mode === "token" && !hasCredentials) problems.push("AUTH_MODE=token: set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL or AUTH_API_KEYS");
  const hmac = e.AUTH_JWT_ALGORITHMS.filter((a) => a.startsWith("HS"));
  if (e.AUTH_JWT_SECRET && e.AUTH_JWT_ALGORITHMS.length > hmac.length) problems.push("AUTH_JWT_ALGORITHMS: a shared secret verifies HS256/HS384/HS512 only");
  if (!e.AUTH_JWT_SECRET && hmac.length > 0) problems.push("AUTH_JWT_ALGORITHMS: HS* needs AUTH_JWT_SECRET");
  if (problems.length > 0) throw new ConfigError(problems);
  const jwt: JwtConfig | null = hasJwt
    ? {
        ...(e.AUTH_JWT_SECRET ? { secret: e.AUTH_JWT_SECRET } : {}),
        ...(e.AUTH_JWT_PUBLIC_KEY ? { publicKeyPem: e.AUTH_JWT_PUBLIC_KEY } : {}),
        ...(e.AUTH_JWKS_URL ? { jwksUrl: e.AUTH_JWKS_URL } : {}),
        ...(e.AUTH_JWT_ISSUER ? { issuer: e.AUTH_JWT_ISSUER } : {}),
        ...(e.AUTH_JWT_AUDIENCE ? { audience: e.AUTH_JWT_AUDIENCE } : {}),
        algorithms:
          e.AUTH_JWT_ALGORITHMS.length > 0 ? e.AUTH_JWT_ALGORITHMS : e.AUTH_JWT_SECRET ? ["HS256"] : ["RS256", "PS256", "ES256", "EdDSA"],
        clockToleranceS: e.AUTH_JWT_CLOCK_TOLERANCE_S,
      }
    : null;
  const apiKeys = e.AUTH_API_KEYS.map((entry): ApiKeyConfig => {
    const [, name = "", role = "agent", sha256 = "", extensions] = API_KEY_ENTRY.exec(entry) ?? [];
    return { name, role: role as Role, sha256, extensions: extensions ? extensions.split("|") : [] };
  });
  return {
    mode: mode ?? "open",
    jwt,
    apiKeys,
    roleClaim: e.AUTH_ROLE_CLAIM,
    extensionsClaim: e.AUTH_EXTENSIONS_CLAIM,
    revocationRefreshMs: e.AUTH_REVOCATION_REFRESH_MS,
    revocationRetentionS: e.AUTH_REVOCATION_RETENTION_S,
  };
}

/** `support=5, sales=10` → { support: 5, sales: 10 } (already validated by the schema). */
function parsePairs(text: string): Record<string, number> {
  const pairs: Record<string, number> = {};
  for (const part of text.split(",")) {
    const [name, value] = part.split("=").map((p) => p.trim());
    if (name && value) pairs[name] = Number(value);
  }
  return pairs;
}

/** The process environment with some settings replaced: e.g. the demo points AMI_* at its own simulator. */
export function loadConfigWith(overrides: Record<string, string>): Config {
  return loadConfig({ ...process.env, ...overrides });
}
