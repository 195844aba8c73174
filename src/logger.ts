// One structured logger for the process; children per module. Secrets are redacted by path
// wherever they could appear (config objects, AMI messages, HTTP headers).
// JSON lines for machines; a readable line per entry for a person at a terminal (LOG_FORMAT=auto picks
// pretty when stdout is a TTY). Both come from the same pino entry, so redaction applies to both.
import { pino, type DestinationStream, type Logger } from "pino";

export const REDACTED_PATHS = [
  "secret",
  "password",
  "*.secret",
  "*.password",
  "*.*.secret",
  "*.*.password",
  "config.ami.secret",
  "config.pbxs[*].secret",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  // Credentials of API callers: tokens, API keys, graphql-ws connection_init payloads.
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "authorization",
  "*.authorization",
  "connectionParams",
  "*.connectionParams",
  "config.auth.jwt.secret",
  "config.auth.apiKeys",
];

export type LogFormat = "auto" | "pretty" | "json";

export function createLogger(options: { level: string; base?: object; format?: LogFormat }, destination?: DestinationStream): Logger {
  const format = options.format ?? "json";
  const pretty = format === "pretty" || (format === "auto" && destination === undefined && process.stdout.isTTY === true);
  const target = pretty ? prettyStream(destination ?? process.stdout, destination === undefined && process.stdout.isTTY === true) : destination;
  return pino(
    {
      level: options.level,
      base: { service: "agent-availability", ...options.base },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    target,
  );
}

const LEVEL_COLOURS: Record<string, string> = { fatal: "35", error: "31", warn: "33", info: "32", debug: "36", trace: "90" };
const OMITTED = new Set(["level", "time", "msg", "service", "module", "component"]);

/** `12:00:01.234 WARN  ami  AMI connection to 127.0.0.1:5038 failed  cause=connect-failed retryInMs=789` */
export function formatPretty(line: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = String(entry.level ?? "info");
  const time = typeof entry.time === "string" ? entry.time.slice(11, 23) : "";
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const where = [entry.module, entry.component].filter((part) => typeof part === "string").join("/");
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" && !/[\s"]/.test(value) ? value : JSON.stringify(value)}`)
    .join(" ");
  const head = `${paint("90", time)} ${paint(LEVEL_COLOURS[level] ?? "0", level.toUpperCase().padEnd(5))} ${where ? `${paint("1", where)} ` : ""}${String(entry.msg ?? "")}`;
  return `${head}${fields ? `  ${paint("90", fields)}` : ""}\n`;
}

function prettyStream(out: DestinationStream, colour: boolean): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line) out.write(formatPretty(line, colour));
    },
  };
}
