// Origin checks for requests a browser could be tricked into sending (WebSocket upgrades; CORS later
// uses the same list). No Origin header: not a browser (curl, a CRM backend), allowed; credentials
// still apply. Same origin as the Host the request was sent to: allowed. Otherwise only CORS_ORIGINS
// (or any origin when the list is exactly ["*"]).
import type { IncomingMessage } from "node:http";

export function isAllowedOrigin(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin) || allowed.includes("*")) return true;
  return isSameOrigin(req);
}

/** The Origin names the host the request was sent to (the page is served by this service). */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // "null" (sandboxed frames, file://) and garbage
  }
  return host !== "" && host === (req.headers.host ?? "").toLowerCase();
}
