// Authentication and roles over real HTTP and real graphql-ws clients, per field and per endpoint:
// allowed, 401/403, 4401/4403, a token expiring mid-subscription, Origin and connection limits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { hashApiKey } from "../../src/http/auth.ts";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { startService, type TestService } from "../helpers/service.ts";
import { waitFor } from "../helpers/wait-for.ts";

const JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef";
const OPERATOR_KEY = "op-key-7f3c2a9e-not-a-real-secret";
const SUPERVISOR_KEY = "sup-key-1b8d4e0f-not-a-real-secret";
const ISSUER = "https://idp.test";
const AUDIENCE = "agent-availability";

type Role = "agent" | "supervisor" | "operator";

async function token(claims: Record<string, unknown>, options: { expiresIn?: string | number; issuer?: string; audience?: string; secret?: string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(String(claims.sub ?? "user-1"))
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "10m")
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

const roleToken = (role: Role, extensions: string[] = ["1000"]) => token({ crm: { role }, exts: extensions });

let peer: AmiPeer;
let svc: TestService;
let wsUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  peer = await AmiPeer.start({
    secret: "crmsecret",
    state: { endpoints: labEndpoints(1000, 1002), contacts: [{ aor: "1000", uri: "sip:1000@10.1.2.3:5060", userAgent: "Yealink T46" }] },
  });
  svc = await startService({
    ami: { port: peer.port },
    database: "pglite",
    env: {
      NODE_ENV: "production",
      AUTH_JWT_SECRET: JWT_SECRET,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_ROLE_CLAIM: "crm.role",
      AUTH_EXTENSIONS_CLAIM: "exts",
      AUTH_API_KEYS: `ops:operator:${hashApiKey(OPERATOR_KEY)},wallboard:supervisor:${hashApiKey(SUPERVISOR_KEY)}`,
      CORS_ORIGINS: "https://crm.example.com",
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: "2",
      WS_MAX_CONNECTIONS_PER_IP: "8",
      REFRESH_MIN_INTERVAL_MS: "0",
    },
  });
  wsUrl = `${svc.url.replace("http", "ws")}/graphql`;
  await waitFor(() => svc.app.services.amiStatus().synced, { timeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await svc?.stop();
  await peer?.close();
});

async function gql(query: string, auth: Record<string, string> = {}): Promise<{ status: number; body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> } }> {
  const response = await fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as never };
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

describe("HTTP: who may call at all", () => {
  it("no credentials: 401 with a Bearer challenge on /graphql and the operator endpoints; probes stay open", async () => {
    const response = await fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ agents { extension } }" }) });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe("UNAUTHENTICATED");
    for (const path of ["/metrics", "/api/ami/status", "/api/ami/extensions"]) expect((await fetch(`${svc.url}${path}`)).status, path).toBe(401);
    expect((await fetch(`${svc.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "application/json" } })).status).toBe(401);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
  });

  it("bad, expired, foreign and role-less tokens are refused", async () => {
    const query = "{ agents { extension } }";
    expect((await gql(query, bearer("not-a-token"))).status).toBe(401);
    expect((await gql(query, bearer(await token({ crm: { role: "agent" } }, { expiresIn: Math.floor(Date.now() / 1000) - 60 })))).status).toBe(401);
    expect((await gql(query, bearer(await token({ crm: { role: "agent" } }, { issuer: "https://evil.test" })))).status).toBe(401);
    expect((await gql(query, bearer(await token({ crm: { role: "agent" } }, { audience: "other-app" })))).status).toBe(401);
    expect((await gql(query, bearer(await token({ crm: { role: "agent" } }, { secret: "another-secret-of-enough-length-0123456789" })))).status).toBe(401);
    const noRole = await gql(query, bearer(await token({ crm: { role: "janitor" } })));
    expect(noRole.status).toBe(403);
    expect((await gql(query, { "x-api-key": "wrong-key" })).status).toBe(401);
  });

  it("GraphiQL and introspection are off in production by default", async () => {
    expect((await fetch(`${svc.url}/graphiql`)).status).toBe(404);
    const introspection = await gql("{ __schema { types { name } } }", bearer(await roleToken("operator")));
    expect(introspection.status).toBe(400);
  });
});

describe("HTTP: per role and per field", () => {
  // [operation, roles allowed]
  const cases: Array<[string, Role[]]> = [
    ["{ agents { extension name status online available stale deviceState lastSeen updatedAt } }", ["agent", "supervisor", "operator"]],
    ['{ agent(extension: "1000") { extension status } }', ["agent", "supervisor", "operator"]],
    ["{ availableAgents { extension } }", ["agent", "supervisor", "operator"]],
    ['{ extension(id: "1000") { extension isRegistered status lastSeen } }', ["agent", "supervisor", "operator"]],
    ["{ extensions { extension isRegistered } }", ["agent", "supervisor", "operator"]],
    ['{ canTransfer(to: "1000") { ok reason agent { extension } } }', ["agent", "supervisor", "operator"]],
    ["{ agents { extension contacts { id uri status roundtripUsec userAgent expiresAt } } }", ["supervisor", "operator"]],
    ['{ agent(extension: "1000") { contacts { uri } } }', ["supervisor", "operator"]],
    ['{ canTransfer(to: "1000") { agent { contacts { userAgent } } } }', ["supervisor", "operator"]],
    ["{ amiStatus { connected synced lastError } }", ["supervisor", "operator"]],
    ["mutation { refreshStatuses { agents } }", ["operator"]],
  ];
  const roles: Role[] = ["agent", "supervisor", "operator"];

  it.each(cases.flatMap(([query, allowed]) => roles.map((role) => [role, query, allowed.includes(role)] as const)))("%s: %s → allowed %s", async (role, query, allowed) => {
    const { status, body } = await gql(query, bearer(await roleToken(role)));
    if (allowed) {
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      expect(status).toBe(200);
    } else {
      expect(status).toBe(403);
      expect(body.errors?.map((e) => e.extensions?.code)).toContain("FORBIDDEN");
      expect(JSON.stringify(body.data ?? null)).not.toMatch(/10\.1\.2\.3|Yealink/);
    }
  });

  it("an agent never gets a supervisor's cached result (the response cache is partitioned by role)", async () => {
    const query = "{ agents { extension contacts { uri userAgent } } }";
    const supervisor = await gql(query, bearer(await roleToken("supervisor")));
    expect(JSON.stringify(supervisor.body.data)).toContain("10.1.2.3");
    // Asked again: answered from the serialised cache (src/http/response-bytes.ts), which is partitioned the same way.
    expect(await gql(query, bearer(await roleToken("supervisor")))).toEqual(supervisor);
    const agent = await gql(query, bearer(await roleToken("agent")));
    expect(agent.status).toBe(403);
    expect(JSON.stringify(agent.body)).not.toContain("10.1.2.3");
  });

  it("API keys: by X-API-Key or Bearer, with the role they were configured with", async () => {
    expect((await gql("mutation { refreshStatuses { agents } }", { "x-api-key": OPERATOR_KEY })).status).toBe(200);
    expect((await gql("mutation { refreshStatuses { agents } }", bearer(OPERATOR_KEY))).status).toBe(200);
    expect((await gql("mutation { refreshStatuses { agents } }", { "x-api-key": SUPERVISOR_KEY })).status).toBe(403);
    expect((await gql("{ amiStatus { connected } }", { "x-api-key": SUPERVISOR_KEY })).status).toBe(200);
  });
});

describe("presence, DND and pause: an agent only for their own extension", () => {
  // The peer answers these with "Invalid/unknown command"; what matters is whether the action reached AMI.
  const mutations = [
    (ext: string) => `mutation { setDnd(extension: "${ext}", on: true) { accepted } }`,
    (ext: string) => `mutation { setPresence(extension: "${ext}", state: AWAY) { accepted } }`,
    (ext: string) => `mutation { pauseAgent(extension: "${ext}", queue: "support", reason: "Lunch") { accepted } }`,
    (ext: string) => `mutation { unpauseAgent(extension: "${ext}") { accepted } }`,
  ];
  const sent = () => peer.received("Setvar").length + peer.received("QueuePause").length;

  it.each(mutations.map((m, i) => [i, m] as const))("mutation %i over HTTP: own extension reaches AMI, another is 403 and never sent", async (_i, mutation) => {
    const agent = bearer(await roleToken("agent", ["1000"]));
    const before = sent();
    const other = await gql(mutation("1001"), agent);
    expect(other.status).toBe(403);
    expect(other.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(sent()).toBe(before);
    const own = await gql(mutation("1000"), agent);
    expect(own.body.errors?.[0]?.extensions?.code).not.toBe("FORBIDDEN");
    await waitFor(() => sent() > before);
    const supervisor = await gql(mutation("1001"), bearer(await roleToken("supervisor", [])));
    expect(supervisor.body.errors?.[0]?.extensions?.code).not.toBe("FORBIDDEN");
  });

  it("over graphql-ws the same rule holds", async () => {
    const agent = wsClient({ token: await roleToken("agent", ["1000"]) }).client;
    const other = await subscribeOnce(agent, mutations[0]!("1002"));
    expect(other.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const own = await subscribeOnce(agent, mutations[0]!("1000"));
    expect(own.errors?.[0]?.extensions?.code).not.toBe("FORBIDDEN");
  });
});

describe("HTTP: operator endpoints", () => {
  const endpoints: Array<[string, string]> = [
    ["GET", "/metrics"],
    ["GET", "/api/ami/status"],
    ["GET", "/api/ami/extensions"],
    ["POST", "/api/ami/refresh"],
  ];
  it.each(endpoints)("%s %s: agent 403, supervisor 403, operator 200", async (method, path) => {
    const call = (auth: Record<string, string>) => fetch(`${svc.url}${path}`, { method, headers: { "content-type": "application/json", ...auth } });
    expect((await call(bearer(await roleToken("agent")))).status).toBe(403);
    expect((await call(bearer(await roleToken("supervisor")))).status).toBe(403);
    expect((await call({ "x-api-key": SUPERVISOR_KEY })).status).toBe(403);
    expect((await call(bearer(await roleToken("operator")))).status).toBe(200);
    expect((await call({ "x-api-key": OPERATOR_KEY })).status).toBe(200);
  });

  it("a state-changing endpoint needs a non-simple request even with credentials (CSRF)", async () => {
    const form = await fetch(`${svc.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "text/plain", "x-api-key": OPERATOR_KEY }, body: "x" });
    expect(form.status).toBe(400);
    const custom = await fetch(`${svc.url}/api/ami/refresh`, { method: "POST", headers: { "x-requested-with": "fetch", "x-api-key": OPERATOR_KEY } });
    expect(custom.status).toBe(200);
  });
});

interface Closed {
  code: number;
  reason: string;
}

function wsClient(params: Record<string, unknown> | undefined, headers: Record<string, string> = {}): { client: Client; closed: Promise<Closed> } {
  let resolveClosed!: (c: Closed) => void;
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  class HeaderWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: wsUrl,
    webSocketImpl: HeaderWebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: params,
    on: { closed: (event) => resolveClosed({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
    onNonLazyError: () => {},
  });
  clients.push(client);
  return { client, closed };
}

function subscribeOnce(client: Client, query: string): Promise<{ data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
  return new Promise((resolve, reject) => {
    const dispose = client.subscribe({ query }, {
      next: (result) => {
        dispose();
        resolve(result as never);
      },
      error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
      complete: () => {},
    });
  });
}

describe("graphql-ws: credentials in connection_init", () => {
  it("no credentials closes with 4401, a bad token with 4401, a token without a known role with 4403", async () => {
    expect((await wsClient(undefined).closed).code).toBe(4401);
    expect((await wsClient({ authorization: "Bearer nope" }).closed).code).toBe(4401);
    expect((await wsClient({ token: await token({ crm: { role: "janitor" } }) }).closed).code).toBe(4403);
  });

  it("per role: an agent sees everyone's availability but not contacts nor the legacy events; a supervisor sees both", async () => {
    const snapshot = "subscription { agentStatus { ... on AgentsSnapshot { agents { extension status } } } }";
    const withContacts = "subscription { agentStatus { ... on AgentsSnapshot { agents { extension contacts { uri userAgent } } } } }";
    const legacy = "subscription { extensionEvents { type } }";

    const agent = wsClient({ authorization: `Bearer ${await roleToken("agent")}` }).client;
    expect((await subscribeOnce(agent, snapshot)).data?.agentStatus.agents.length).toBe(3);
    const denied = await subscribeOnce(agent, withContacts);
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(JSON.stringify(denied)).not.toContain("10.1.2.3");
    expect((await subscribeOnce(agent, legacy)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const agentQuery = await subscribeOnce(agent, "mutation { refreshStatuses { agents } }");
    expect(agentQuery.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const supervisor = wsClient({ token: await roleToken("supervisor") }).client;
    const allowed = await subscribeOnce(supervisor, withContacts);
    expect(allowed.errors).toBeUndefined();
    expect(JSON.stringify(allowed.data)).toContain("10.1.2.3");
  });

  it("the same subscription for an agent and a supervisor is executed per role (shared execution never mixes them)", async () => {
    const query = "subscription { agentStatus { __typename ... on AgentStatusChanged { extension status } ... on AgentsSnapshot { agents { extension contacts { uri } } } } }";
    const agentResults: unknown[] = [];
    const supervisorResults: unknown[] = [];
    const agent = wsClient({ token: await roleToken("agent") }).client;
    const supervisor = wsClient({ apiKey: SUPERVISOR_KEY }).client;
    agent.subscribe({ query }, { next: (r) => agentResults.push(r), error: () => {}, complete: () => {} });
    supervisor.subscribe({ query }, { next: (r) => supervisorResults.push(r), error: () => {}, complete: () => {} });
    await waitFor(() => agentResults.length >= 1 && supervisorResults.length >= 1);
    expect(JSON.stringify(agentResults)).not.toContain("10.1.2.3");
    expect(JSON.stringify(supervisorResults)).toContain("10.1.2.3");
  });

  it("a token that expires mid-subscription closes the socket with 4403", async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const { client, closed } = wsClient({ token: await token({ crm: { role: "supervisor" } }, { expiresIn: expiresAt }) });
    const events: unknown[] = [];
    client.subscribe({ query: "subscription { agentStatus { __typename } }" }, { next: (r) => events.push(r), error: () => {}, complete: () => {} });
    await waitFor(() => events.length >= 1);
    const { code, reason } = await closed;
    expect(code).toBe(4403);
    expect(reason).toBe("Token expired");
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000 - 50);
  }, 10_000);

  it("at most WS_MAX_SUBSCRIPTIONS_PER_CONNECTION operations per socket", async () => {
    const client = wsClient({ token: await roleToken("agent") }).client;
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) client.subscribe({ query: "subscription { agentStatus { __typename } }" }, { next: (r) => results.push(r), error: (e) => errors.push(e), complete: () => {} });
    await waitFor(() => errors.length === 1 && results.length >= 2);
    expect(JSON.stringify(errors[0])).toContain("TOO_MANY_SUBSCRIPTIONS");
  });
});

describe("secrets", () => {
  it("no token, API key or JWT secret ever reaches the log or a response", async () => {
    const agentToken = await roleToken("agent");
    await gql("{ agents { extension } }", bearer(agentToken));
    await gql("{ agents { extension } }", bearer(`${agentToken}x`)); // refused: logged without the token
    await gql("{ agents { extension } }", { "x-api-key": OPERATOR_KEY });
    await gql("{ agents { extension } }", { "x-api-key": "wrong-key-not-logged" });
    const ws = wsClient({ token: `${agentToken}x` });
    await ws.closed;
    const metrics = await (await fetch(`${svc.url}/metrics`, { headers: { "x-api-key": OPERATOR_KEY } })).text();
    const status = await (await fetch(`${svc.url}/api/ami/status`, { headers: { "x-api-key": OPERATOR_KEY } })).text();
    const everything = `${svc.logText()}\n${metrics}\n${status}`;
    for (const secret of [JWT_SECRET, OPERATOR_KEY, SUPERVISOR_KEY, agentToken, "wrong-key-not-logged", "crmsecret"]) expect(everything).not.toContain(secret);
    expect(svc.logText()).toContain("graphql-ws connection refused"); // the refusal itself is logged
  });
});

describe("graphql-ws: Origin and connections per address", () => {
  const upgrade = (headers: Record<string, string>) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl, "graphql-transport-ws", { headers });
      socket.on("open", () => {
        socket.close();
        resolve(101);
      });
      socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      socket.on("error", () => {});
    });

  it("a cross-site page is refused before the protocol starts; the allow-list, same origin and non-browsers are not", async () => {
    expect(await upgrade({ origin: "https://evil.example" })).toBe(403);
    expect(await upgrade({ origin: "null" })).toBe(403);
    expect(await upgrade({ origin: "https://crm.example.com" })).toBe(101);
    expect(await upgrade({ origin: svc.url })).toBe(101);
    expect(await upgrade({})).toBe(101);
  });

  it("past WS_MAX_CONNECTIONS_PER_IP open sockets from one address, upgrades get 429", async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 8; i++) {
      const socket = new WebSocket(wsUrl, "graphql-transport-ws");
      sockets.push(socket);
      await new Promise((resolve, reject) => (socket.once("open", resolve), socket.once("error", reject)));
    }
    expect(await upgrade({})).toBe(429);
    sockets[0]?.close();
    await new Promise((resolve) => sockets[0]?.once("close", resolve));
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 101; attempt++) {
      status = await upgrade({});
      if (status !== 101) await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe(101);
    for (const socket of sockets) socket.close();
  });
});
