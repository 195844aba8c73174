// CORS_ORIGINS: a browser page on an allowed origin can use the API over HTTP (preflight answered
// before Apollo's CSRF prevention) and over graphql-ws; any other origin is refused on both; clients
// that send no Origin (curl, a CRM backend) are not browsers and pass; CSRF prevention stays for them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { startSimApp, type SimApp } from "../helpers/sim-app.ts";

const ALLOWED = "http://crm.example.test:5173";
const FOREIGN = "http://evil.example.test";
const QUERY = "{ agents { id extension status } }";

let h: SimApp;
beforeAll(async () => {
  h = await startSimApp({ env: { CORS_ORIGINS: `${ALLOWED}, http://other.example.test` } });
});
afterAll(async () => h?.stop());

const post = (headers: Record<string, string>) =>
  fetch(`${h.app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query: QUERY }) });

/** Opens a WebSocket with the graphql-ws subprotocol; resolves with "open" or the refusal's HTTP status. */
function upgrade(origin: string | undefined): Promise<"open" | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(h.app.url.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws", origin ? { origin } : {});
    socket.once("open", () => {
      socket.close(1000);
      resolve("open");
    });
    socket.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("error", (error) => reject(error));
  });
}

describe("HTTP", () => {
  it("answers an allowed origin's preflight itself (not Apollo's CSRF 400), without credentials", async () => {
    const res = await fetch(`${h.app.url}/graphql`, {
      method: "OPTIONS",
      headers: { origin: ALLOWED, "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/content-type.*authorization/);
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("vary")).toBe("Origin");
  });

  it("serves an allowed origin's POST and its plain GET (urql's default) with CORS headers", async () => {
    const res = await post({ origin: ALLOWED });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(((await res.json()) as { data: { agents: unknown[] } }).data.agents).toHaveLength(6);
    const get = await fetch(`${h.app.url}/graphql?query=${encodeURIComponent(QUERY)}`, { headers: { origin: ALLOWED, accept: "application/graphql-response+json, application/json" } });
    expect(get.status).toBe(200);
  });

  it("refuses an origin not in the list: preflight and request, with no CORS headers", async () => {
    const preflight = await fetch(`${h.app.url}/graphql`, { method: "OPTIONS", headers: { origin: FOREIGN, "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const res = await post({ origin: FOREIGN });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const rest = await fetch(`${h.app.url}/api/ami/status`, { headers: { origin: FOREIGN } });
    expect(rest.status).toBe(403);
  });

  it("keeps Apollo's CSRF prevention for requests without an allowed origin", async () => {
    const get = await fetch(`${h.app.url}/graphql?query=${encodeURIComponent(QUERY)}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/CSRF/);
    expect((await post({})).status).toBe(200); // a JSON POST is not a simple request: fine without Origin
  });

  it("treats the page's own origin as allowed (the wallboard, GraphiQL)", async () => {
    const res = await post({ origin: h.app.url.replace("localhost", "127.0.0.1") });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("graphql-ws upgrade", () => {
  it("accepts an allowed origin and clients without Origin, refuses any other origin with 403", async () => {
    expect(await upgrade(ALLOWED)).toBe("open");
    expect(await upgrade(undefined)).toBe("open");
    expect(await upgrade(FOREIGN)).toBe(403);
    expect(await upgrade("null")).toBe(403);
  });
});

describe("CORS_ORIGINS", () => {
  it("is none by default, takes a list, and refuses paths, garbage and * beside other origins", () => {
    expect(loadConfig({}).http.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: "https://crm.example.com,http://localhost:5173" }).http.corsOrigins).toEqual(["https://crm.example.com", "http://localhost:5173"]);
    expect(loadConfig({ CORS_ORIGINS: "*" }).http.corsOrigins).toEqual(["*"]);
    expect(loadConfig({ CORS_ORIGINS: "https://CRM.Example.com" }).http.corsOrigins).toEqual(["https://crm.example.com"]);
    for (const bad of ["https://crm.example.com/app", "crm.example.com", "*,https://crm.example.com", "ftp://x"]) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(ConfigError);
    }
  });
});
