// The operators' REST endpoints: the same services GraphQL uses, as plain JSON.
//
// /healthz and /readyz are open (orchestrators probe them without credentials). Everything else is
// for operators. POST /api/ami/refresh changes state, so it also needs a request no HTML form can
// send (a JSON content type or an X-Requested-With header): a cross-site page cannot trigger it.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GraphQLServices } from "../graphql/context.ts";
import { RateLimitedError } from "../graphql/refresh-limiter.ts";
import { AmiConnectionLostError, AmiNotConnectedError, AmiTimeoutError } from "../ami/ami-errors.ts";
import { credentialsFromHeaders, hasRole, type Authenticator } from "./auth.ts";
import { renderPrometheus, type MetricSample } from "./metrics.ts";
import { jsonWithDates, resyncJson } from "./json-dates.ts";

export interface Probes {
  /** Database reachable and the first resync done; otherwise the reasons. */
  readiness(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail?: string }>; databaseMode?: string }>;
  /** Counters and gauges for GET /metrics. */
  metrics?(): MetricSample[];
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

const OPERATOR_ROUTES = new Set(["GET /metrics", "GET /api/ami/status", "GET /api/ami/extensions", "POST /api/ami/refresh"]);

/** Returns false when the route is not one of ours. */
export async function handleRest(
  req: IncomingMessage,
  path: string,
  res: ServerResponse,
  services: GraphQLServices,
  probes: Probes,
  authenticator: Authenticator,
): Promise<boolean> {
  const method = req.method ?? "GET";
  // HEAD on the probes: load balancers and orchestrators often probe with it (node sends no body for HEAD).
  const probe = path === "/healthz" || path === "/readyz" || path === "/metrics";
  const route = `${method === "HEAD" && probe ? "GET" : method} ${path}`;
  if (OPERATOR_ROUTES.has(route)) {
    if (method === "POST" && !isNonSimpleRequest(req)) {
      sendJson(res, 400, { error: "send Content-Type: application/json or an X-Requested-With header (CSRF protection)" });
      return true;
    }
    const auth = await authenticator.authenticate(credentialsFromHeaders(req.headers));
    if (!auth.ok) {
      sendUnauthorized(res, auth.status, auth.reason);
      return true;
    }
    if (!hasRole(auth.principal, "operator")) {
      sendJson(res, 403, { error: `${route} requires the operator role` });
      return true;
    }
  }
  switch (route) {
    case "GET /healthz":
      sendJson(res, 200, { status: "ok" });
      return true;
    case "GET /readyz": {
      const readiness = await probes.readiness();
      sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? "ready" : "not ready", databaseMode: readiness.databaseMode, checks: readiness.checks });
      return true;
    }
    case "GET /metrics":
      if (!probes.metrics) return false;
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" });
      res.end(renderPrometheus(probes.metrics()));
      return true;
    case "GET /api/ami/status":
      sendJsonText(res, 200, jsonWithDates(services.amiStatus()));
      return true;
    case "GET /api/ami/extensions": {
      const agents = await services.reader.loadAll();
      sendJson(
        res,
        200,
        agents.map((agent) => ({
          extension: agent.extension,
          pbx: agent.pbx,
          isRegistered: agent.contacts.length > 0,
          status: agent.status,
          online: agent.online,
          available: agent.available,
          stale: agent.stale,
          lastSeen: agent.lastSeen === null ? null : new Date(agent.lastSeen).toISOString(),
        })),
      );
      return true;
    }
    case "POST /api/ami/refresh": {
      let result;
      try {
        result = await services.refresh();
      } catch (error) {
        if (error instanceof RateLimitedError) {
          res.setHeader("retry-after", String(Math.ceil(error.retryAfterMs / 1000)));
          sendJson(res, 429, { error: error.message });
          return true;
        }
        // Asterisk away, or the session lost mid-resync: the next login resyncs by itself.
        if (error instanceof AmiNotConnectedError || error instanceof AmiConnectionLostError || error instanceof AmiTimeoutError) {
          sendJson(res, 503, { error: error.message });
          return true;
        }
        throw error;
      }
      sendJsonText(res, 200, resyncJson(result));
      return true;
    }
    default:
      return false;
  }
}

export function sendUnauthorized(res: ServerResponse, status: 401 | 403, reason: string): void {
  if (status === 401) res.setHeader("www-authenticate", 'Bearer realm="agent-availability"');
  sendJson(res, status, { error: reason });
}

/** A request an HTML form or a simple fetch cannot make without a CORS preflight. */
function isNonSimpleRequest(req: IncomingMessage): boolean {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || req.headers["x-requested-with"] !== undefined || req.headers["apollo-require-preflight"] !== undefined;
}
