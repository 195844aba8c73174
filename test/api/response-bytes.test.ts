// A repeated read-only query is answered with the bytes Apollo sent the first time (src/http/response-bytes.ts):
// byte-for-byte the same body and headers, without running Apollo, and never once the data has moved.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ApolloServer } from "@apollo/server";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { liveEventBytes } from "../helpers/ami-frames.ts";
import { startService, type TestService } from "../helpers/service.ts";
import { waitFor } from "../helpers/wait-for.ts";

let peer: AmiPeer;
let svc: TestService;

beforeAll(async () => {
  peer = await AmiPeer.start({ secret: "crmsecret", state: { endpoints: labEndpoints(1000, 1003), contacts: [{ aor: "1002", uri: "sip:1002@127.0.0.1:15002" }] } });
  svc = await startService({ ami: { port: peer.port }, database: "pglite" });
  await waitFor(() => svc.app.services.amiStatus().synced, { timeoutMs: 10_000, message: "first resync" });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await peer?.close();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: response.status, headers: [...response.headers].filter(([name]) => name !== "date"), body: await response.text() };
}

describe("serialised responses reused", () => {
  it("the same query again: the same bytes and headers, Apollo not run; a change of state: executed again", async () => {
    const apollo = vi.spyOn(ApolloServer.prototype, "executeHTTPGraphQLRequest");
    try {
      const query = JSON.stringify({ query: "{ availableAgents { extension status } }" });
      await post(query); // the first read loads the list: the data version moves under it, nothing is kept
      const first = await post(query);
      expect(first.status).toBe(200);
      expect(JSON.parse(first.body)).toEqual({ data: { availableAgents: [{ extension: "1002", status: "AVAILABLE" }] } });
      const runs = apollo.mock.calls.length;
      const version = svc.app.services.reader.version;
      const second = await post(query);
      expect(second).toEqual(first);
      expect(apollo.mock.calls.length).toBe(runs);

      // Another body (other variables, other operation) is its own entry.
      const agent = JSON.stringify({ query: "query A($e: ID!) { agent(extension: $e) { extension } }", variables: { e: "1001" } });
      expect(JSON.parse((await post(agent)).body)).toEqual({ data: { agent: { extension: "1001" } } });
      expect(apollo.mock.calls.length).toBe(runs + 1);

      await peer.replay(liveEventBytes("register-reachable"));
      await waitFor(() => svc.app.services.reader.version !== version, { message: "1001 registers" });
      const after = await post(query);
      expect(after.body).not.toBe(first.body);
      expect(JSON.parse(after.body).data.availableAgents.length).toBeGreaterThan(1); // the capture registers phones
    } finally {
      apollo.mockRestore();
    }
  });

  it("a query that read one agent is reused while other agents change, and executed again once that agent changes", async () => {
    const apollo = vi.spyOn(ApolloServer.prototype, "executeHTTPGraphQLRequest");
    const body = JSON.stringify({ query: "query A($e: ID!) { agent(extension: $e) { extension status dnd } }", variables: { e: "1003" } });
    const dnd = (extension: string, state: "INUSE" | "NOT_INUSE") => peer.sendEvent("DeviceStateChange", { Device: `Custom:DND${extension}`, State: state });
    const answer = async (extension: string) => JSON.parse((await post(JSON.stringify({ query: `{ agent(extension: "${extension}") { dnd } }` }))).body);
    const until = async (check: () => Promise<boolean>, what: string) => {
      for (const deadline = Date.now() + 3_000; !(await check()); ) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    };
    try {
      await post(body);
      const first = await post(body);
      // Another agent changes (the global data version moves): 1003's answer is still the same bytes.
      const version = svc.app.services.reader.version;
      await dnd("1000", "INUSE");
      await until(async () => (await answer("1000")).data.agent.dnd === true, "1000 in DND");
      expect(svc.app.services.reader.version).not.toBe(version);
      const runsBefore = apollo.mock.calls.length;
      expect(await post(body)).toEqual(first);
      expect(apollo.mock.calls.length).toBe(runsBefore);
      // 1003 itself changes: executed again, and the new state is what it answers.
      await dnd("1003", "INUSE");
      await until(async () => JSON.parse((await post(body)).body).data.agent.dnd === true, "1003 in DND");
      expect(apollo.mock.calls.length).toBeGreaterThan(runsBefore);
    } finally {
      apollo.mockRestore();
      await dnd("1000", "NOT_INUSE");
      await dnd("1003", "NOT_INUSE");
    }
  });

  it("what Apollo refuses is refused every time (CSRF prevention, errors are never reused)", async () => {
    const simple = await post(JSON.stringify({ query: "{ availableAgents { extension } }" }), { "content-type": "text/plain" });
    expect(simple.status).toBe(400);
    expect(simple.body).toMatch(/Cross-Site Request Forgery/);
    const bad = JSON.stringify({ query: "{ availableAgents { nope } }" });
    const [a, b] = [await post(bad), await post(bad)];
    expect(a.status).toBe(400);
    expect(b).toEqual(a);
    expect((await post("{not json")).status).toBe(400);
  });
});
