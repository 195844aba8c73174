// Client mistakes and abuse over real sockets: every mistake is a 4xx (never a 500), slow or oversized
// requests are answered (408/431), cost limits give 400, resyncs are shared and rate-limited.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { startService, type TestService } from "../helpers/service.ts";
import { waitFor } from "../helpers/wait-for.ts";

let peer: AmiPeer;
let svc: TestService;
let port: number;

beforeAll(async () => {
  peer = await AmiPeer.start({ secret: "crmsecret", state: { endpoints: labEndpoints(1000, 1003), contacts: [{ aor: "1000", uri: "sip:1000@10.0.0.1:5060" }] } });
  svc = await startService({
    ami: { port: peer.port },
    database: "pglite",
    env: { HTTP_HEADERS_TIMEOUT_MS: "300", HTTP_REQUEST_TIMEOUT_MS: "600", HTTP_MAX_HEADER_BYTES: "8192", REFRESH_MIN_INTERVAL_MS: "60000", GRAPHQL_MAX_ALIASES: "5" },
  });
  port = Number(new URL(svc.url).port);
  await waitFor(() => svc.app.services.amiStatus().synced, { timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await peer?.close();
});

/** Raw bytes over a socket; resolves with the status line (or "closed"). */
function raw(bytes: string, options: { waitMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (d) => (text += d.toString("latin1")));
    socket.on("close", () => resolve(text.split("\r\n")[0] || "closed"));
    socket.on("error", () => {});
    socket.write(bytes);
    if (options.waitMs) setTimeout(() => socket.destroy(), options.waitMs);
  });
}

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("every client mistake is a 400", () => {
  it("unknown operationName, deeply nested variables (POST and GET), bad shapes", async () => {
    expect((await post(JSON.stringify({ query: "query A { agents { extension } }", operationName: "B" }))).status).toBe(400);
    const query = JSON.stringify("query ($e: [ID!]) { availableAgents(exclude: $e) { extension } }");
    expect((await post(`{"query":${query},"variables":{"e":${"[".repeat(5_000)}"x"${"]".repeat(5_000)}}}`)).status).toBe(400);
    expect((await post(`{"query":${query},"variables":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`)).status).toBe(400);
    const deepGet = `${svc.url}/graphql?query=${encodeURIComponent("{ agents { extension } }")}&variables=${encodeURIComponent('{"a":'.repeat(200) + "1" + "}".repeat(200))}`;
    expect((await fetch(deepGet, { headers: { "apollo-require-preflight": "1" } })).status).toBe(400);
    expect((await post(JSON.stringify({ query: 5 }))).status).toBe(400);
    expect((await post(JSON.stringify([{ query: "{ agents { extension } }" }]))).status).toBe(400);
    expect((await post(JSON.stringify({ query: "{ a1: agents { extension } a2: agents { extension } a3: agents { extension } a4: agents { extension } a5: agents { extension } a6: agents { extension } }" }))).status).toBe(400);
    // Legitimate nesting still works.
    expect((await post(JSON.stringify({ query: "query ($e: [ID!]) { availableAgents(exclude: $e) { extension } }", variables: { e: ["1001"] } }))).status).toBe(200);
  });

  it("a malformed request line or header is 400", async () => {
    expect(await raw("GARBAGE\r\n\r\n")).toBe("HTTP/1.1 400 Bad Request");
    expect(await raw("GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n")).toBe("HTTP/1.1 400 Bad Request");
  });
});

describe("slow and oversized requests are answered", () => {
  it("headers larger than HTTP_MAX_HEADER_BYTES: 431", async () => {
    expect(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`)).toBe("HTTP/1.1 431 Request Header Fields Too Large");
  });

  it("headers that never finish: 408 after HTTP_HEADERS_TIMEOUT_MS (checked every half of it)", async () => {
    const started = Date.now();
    expect(await raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n", { waitMs: 5_000 })).toBe("HTTP/1.1 408 Request Timeout");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("a body that never finishes: 408 after HTTP_REQUEST_TIMEOUT_MS", async () => {
    expect(await raw("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", { waitMs: 5_000 })).toBe("HTTP/1.1 408 Request Timeout");
  });
});

describe("resyncs are shared and rate-limited", () => {
  it("20 concurrent refreshes make one resync; the next within REFRESH_MIN_INTERVAL_MS is a 429 / RATE_LIMITED", async () => {
    const before = peer.received("PJSIPShowContacts").length;
    peer.listDelayMs = 300; // the resync stays in flight while all 20 arrive
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? fetch(`${svc.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "application/json" } }).then((r) => r.status)
          : post(JSON.stringify({ query: "mutation { refreshStatuses { agents } }" })).then((r) => r.status),
      ),
    );
    peer.listDelayMs = 0;
    expect(results).toEqual(Array(20).fill(200));
    expect(peer.received("PJSIPShowContacts").length - before).toBe(1);
    const limited = await fetch(`${svc.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "application/json" } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const viaGraphQL = await post(JSON.stringify({ query: "mutation { refreshStatuses { agents } }" }));
    expect(viaGraphQL.status).toBe(429);
    expect(((await viaGraphQL.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe("RATE_LIMITED");
    expect(peer.received("PJSIPShowContacts").length - before).toBe(1);
  });
});

describe("graphql-ws abuse", () => {
  it("a payload over WS_MAX_PAYLOAD_BYTES closes that socket only; others keep working", async () => {
    const url = `${svc.url.replace("http", "ws")}/graphql`;
    const socket = new WebSocket(url, "graphql-transport-ws");
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init" }));
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: `{ agents { extension } } # ${"x".repeat(100_000)}` } }));
    expect(await closed).toBe(1009); // message too big
    const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const result = await new Promise<unknown>((resolve, reject) =>
      client.subscribe({ query: "{ agents { extension } }" }, { next: resolve, error: reject, complete: () => {} }),
    );
    expect(JSON.stringify(result)).toContain("1000");
    await client.dispose();
  });
});
