// The operators' REST endpoints: the same services GraphQL uses, as plain JSON.
import type { ServerResponse } from "node:http";
import type { GraphQLServices } from "../graphql/context.ts";
import { renderPrometheus, type MetricSample } from "./metrics.ts";

export interface Probes {
  /** Database reachable and the first resync done; otherwise the reasons. */
  readiness(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> }>;
  /** Counters and gauges for GET /metrics. */
  metrics?(): MetricSample[];
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/** Returns false when the route is not one of ours. */
export async function handleRest(method: string, path: string, res: ServerResponse, services: GraphQLServices, probes: Probes): Promise<boolean> {
  // HEAD on the probes: load balancers and orchestrators often probe with it (node sends no body for HEAD).
  const probe = path === "/healthz" || path === "/readyz" || path === "/metrics";
  const route = `${method === "HEAD" && probe ? "GET" : method} ${path}`;
  switch (route) {
    case "GET /healthz":
      sendJson(res, 200, { status: "ok" });
      return true;
    case "GET /readyz": {
      const readiness = await probes.readiness();
      sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? "ready" : "not ready", checks: readiness.checks });
      return true;
    }
    case "GET /metrics":
      if (!probes.metrics) return false;
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" });
      res.end(renderPrometheus(probes.metrics()));
      return true;
    case "GET /api/ami/status":
      sendJson(res, 200, toJson(services.amiStatus()));
      return true;
    case "GET /api/ami/extensions": {
      const agents = await services.reader.loadAll();
      sendJson(
        res,
        200,
        agents.map((agent) => ({
          extension: agent.extension,
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
      const result = await services.refresh();
      sendJson(res, 200, toJson(result));
      return true;
    }
    default:
      return false;
  }
}

/** Epoch-ms fields named *At / ts become ISO strings, as in GraphQL. */
function toJson(value: object): object {
  return JSON.parse(
    JSON.stringify(value, (key, v) => ((key === "ts" || key.endsWith("At")) && typeof v === "number" ? new Date(v).toISOString() : v)),
  );
}
