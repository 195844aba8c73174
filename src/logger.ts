// One structured (JSON) logger for the process; children per module. Secrets are redacted by path
// wherever they could appear (config objects, AMI messages, HTTP headers).
import { pino, type DestinationStream, type Logger } from "pino";

export const REDACTED_PATHS = [
  "secret",
  "password",
  "*.secret",
  "*.password",
  "*.*.secret",
  "*.*.password",
  "config.ami.secret",
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

export function createLogger(options: { level: string; base?: object }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "agent-availability", ...options.base },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
