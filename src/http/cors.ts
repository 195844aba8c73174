// CORS for the allowed origins (CORS_ORIGINS), answered before anything else sees the request:
// a preflight never reaches Apollo (whose CSRF prevention would answer it 400), and a request from an
// origin that is neither ours nor allowed is refused (403) instead of being executed unread.
// Credentials (cookies) are never allowed: the API takes tokens in headers, which CORS lets through.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAllowedOrigin, isSameOrigin } from "./origin.ts";

/** Request headers a browser client may send (Apollo Client, urql, graphql-ws over HTTP, tokens). */
const ALLOWED_HEADERS = [
  "content-type",
  "accept",
  "authorization",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "apollographql-client-name",
  "apollographql-client-version",
].join(", ");

export type CorsOutcome =
  /** Nothing more to do: the preflight or the refusal has been answered. */
  | { kind: "answered" }
  /** Go on. `crossOrigin`: an allowed foreign origin sent it (CORS headers are set). */
  | { kind: "continue"; crossOrigin: boolean };

export function handleCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): CorsOutcome {
  const origin = req.headers.origin;
  if (origin === undefined || isSameOrigin(req)) return { kind: "continue", crossOrigin: false };
  if (!isAllowedOrigin(req, allowed)) {
    res.writeHead(403, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", vary: "Origin" });
    res.end(JSON.stringify({ error: "origin not allowed (CORS_ORIGINS)" }));
    return { kind: "answered" };
  }
  const any = allowed.length === 1 && allowed[0] === "*";
  res.setHeader("access-control-allow-origin", any ? "*" : origin);
  res.setHeader("vary", "Origin");
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
    res.writeHead(204, {
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
      "content-length": "0",
    });
    res.end();
    return { kind: "answered" };
  }
  return { kind: "continue", crossOrigin: true };
}
