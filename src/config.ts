// The only reader of process.env: every setting validated once at start, typed and frozen.
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const ms = (def: number, min = 1) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");
const list = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(/[,\s]+/)
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  );
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: port.default(4000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

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
  WRITE_FLUSH_MS: ms(100),
  WRITE_MAX_BATCH: ms(1000),

  STATUS_CACHE_TTL_MS: ms(5_000, 0),
  GRAPHIQL: bool(true),
  GRAPHQL_INTROSPECTION: bool(true),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(8),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(50).default(2_000),
  SHUTDOWN_TIMEOUT_MS: ms(10_000),

  DND_DEVICE: z.string().regex(/^[^\s,&]*\{ext\}[^\s,&]*$/, "must contain {ext} once and no spaces, commas or &").default("Custom:DND{ext}"),
  PRESENCE_PROVIDER: z.string().regex(/^[^\s,&]*\{ext\}[^\s,&]*$/, "must contain {ext} once and no spaces, commas or &").default("CustomPresence:{ext}"),
  QUEUE_WRAPUP_SECONDS: z
    .string()
    .regex(/^\s*([^=,\s]+=\d{1,5}\s*(,\s*|$))*$/, "must be queue=seconds pairs separated by commas, e.g. support=5,sales=10")
    .default(""),
  QUEUE_WRAPUP_DEFAULT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
  QUEUE_SHARED_LASTCALL: bool(false),
  USERS_REFRESH_MS: ms(30_000, 1_000),

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
});

export interface Config {
  env: "development" | "production" | "test";
  http: {
    host: string;
    port: number;
    /** Browser origins allowed to call the API besides the page's own (CORS, WebSocket Origin); ["*"]: any. */
    corsOrigins: string[];
  };
  /** Serve the wallboard (the built web app) at `/`. */
  web: { enabled: boolean };
  log: { level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent" };
  ami: {
    host: string;
    port: number;
    username: string;
    secret: string;
    actionTimeoutMs: number;
    pingIntervalMs: number;
    reconnectMaxMs: number;
  };
  db: { url: string | undefined; dataDir: string; flushIntervalMs: number; maxBatch: number };
  cache: { ttlMs: number };
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
  graphql: { graphiql: boolean; introspection: boolean; maskErrors: boolean; maxDepth: number; maxTokens: number };
  shutdownTimeoutMs: number;
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
        const shown = name === "AMI_SECRET" ? "<redacted>" : JSON.stringify(env[name]);
        return `${name}=${shown}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  return Object.freeze({
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, corsOrigins: e.CORS_ORIGINS },
    web: { enabled: e.WEB_UI },
    log: { level: e.LOG_LEVEL },
    ami: {
      host: e.AMI_HOST,
      port: e.AMI_PORT,
      username: e.AMI_USERNAME,
      secret: e.AMI_SECRET,
      actionTimeoutMs: e.AMI_ACTION_TIMEOUT_MS,
      pingIntervalMs: e.AMI_PING_INTERVAL_MS,
      reconnectMaxMs: e.AMI_RECONNECT_MAX_MS,
    },
    db: { url: e.DATABASE_URL, dataDir: e.DATA_DIR, flushIntervalMs: e.WRITE_FLUSH_MS, maxBatch: e.WRITE_MAX_BATCH },
    cache: { ttlMs: e.STATUS_CACHE_TTL_MS },
    agents: {
      naming: { dndDevice: e.DND_DEVICE, presenceProvider: e.PRESENCE_PROVIDER },
      wrapUpSeconds: Object.freeze(parsePairs(e.QUEUE_WRAPUP_SECONDS)),
      defaultWrapUpSeconds: e.QUEUE_WRAPUP_DEFAULT_SECONDS,
      sharedLastCall: e.QUEUE_SHARED_LASTCALL,
      usersRefreshMs: e.USERS_REFRESH_MS,
    },
    graphql: {
      graphiql: e.GRAPHIQL,
      introspection: e.GRAPHQL_INTROSPECTION,
      maskErrors: e.NODE_ENV === "production",
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
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
