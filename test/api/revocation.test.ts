// Revoking credentials before they expire, with two instances on one PostgreSQL database (as during a
// rolling update): an operator revokes on instance A; A refuses at once, B within its reload interval;
// open graphql-ws sockets on both are closed with 4403; a token issued after a subject's revocation is
// accepted; an API key stays refused until restored; a restart forgets nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { hashApiKey } from "../../src/http/auth.ts";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { startService, type TestService } from "../helpers/service.ts";

const JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef";
const OPERATOR_KEY = "op-key-revocation-tests-not-real";
const BACKEND_KEY = "backend-key-revocation-tests-not-real";
const REFRESH_MS = 300;

let peer: AmiPeer;
let a: TestService;
let b: TestService;
const clients: Client[] = [];

function env(): Record<string, string> {
  return {
    AUTH_JWT_SECRET: JWT_SECRET,
    AUTH_API_KEYS: `ops:operator:${hashApiKey(OPERATOR_KEY)},backend:supervisor:${hashApiKey(BACKEND_KEY)}`,
    AUTH_REVOCATION_REFRESH_MS: String(REFRESH_MS),
  };
}

async function token(subject: string, options: { jti?: string; issuedAt?: number } = {}): Promise<string> {
  const jwt = new SignJWT({ role: "agent", extensions: ["1000"] }).setProtectedHeader({ alg: "HS256" }).setSubject(subject).setIssuedAt(options.issuedAt).setExpirationTime("10m");
  if (options.jti) jwt.setJti(options.jti);
  return jwt.sign(new TextEncoder().encode(JWT_SECRET));
}

async function query(svc: TestService, credential: Record<string, string>, body: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...credential }, body: JSON.stringify({ query: body, variables }) });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

/** Polls until the request answers `status` (the other instance reloads its list every REFRESH_MS). */
async function waitForStatus(request: () => Promise<{ status: number }>, status: number, options: { timeoutMs: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while ((await request()).status !== status) {
    if (Date.now() > deadline) throw new Error(`still not ${status} after ${options.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
const operator = { "x-api-key": OPERATOR_KEY };
const REVOKE = "mutation($subject: String, $tokenId: String, $reason: String) { revokeCredentials(subject: $subject, tokenId: $tokenId, reason: $reason) { kind value revokedAt expiresAt reason } }";
const RESTORE = "mutation($subject: String, $tokenId: String) { restoreCredentials(subject: $subject, tokenId: $tokenId) }";

/** A graphql-ws subscriber; resolves with the close code when the server closes it. */
function subscriber(svc: TestService, credential: string): { closed: Promise<number>; connected: Promise<void> } {
  let closedWith!: (code: number) => void;
  let connected!: () => void;
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client = createClient({
    url: `${svc.url.replace("http", "ws")}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined, // the close is what the test waits for
    connectionParams: { token: credential },
    on: { connected: () => connected(), closed: (event) => closedWith((event as { code: number }).code) },
  });
  client.subscribe({ query: "subscription { agentStatus { __typename } }" }, { next: () => undefined, error: () => undefined, complete: () => undefined });
  clients.push(client);
  return { closed, connected: ready };
}

beforeAll(async () => {
  peer = await AmiPeer.start({ secret: "crmsecret", state: { endpoints: labEndpoints(1000, 1001), contacts: [] } });
  a = await startService({ ami: { port: peer.port }, database: "postgres", env: env() });
  b = await startService({ ami: { port: peer.port }, database: "postgres", reuse: { url: a.databaseUrl! }, env: env() });
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await b?.stop({ keepDatabase: true });
  await a?.stop();
  await peer?.close();
});

describe("revoking a JWT by its jti", () => {
  it("refused at once on the instance that revoked it, within the reload interval on the other; open sockets on both closed with 4403; other tokens unaffected", async () => {
    const revoked = await token("alice", { jti: "token-1" });
    const other = await token("alice", { jti: "token-2" });
    expect((await query(a, bearer(revoked), "{ agents { extension } }")).status).toBe(200);
    const onA = subscriber(a, revoked);
    const onB = subscriber(b, revoked);
    await Promise.all([onA.connected, onB.connected]);

    const result = await query(a, operator, REVOKE, { tokenId: "token-1", reason: "laptop stolen" });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.revokeCredentials).toEqual([expect.objectContaining({ kind: "TOKEN", value: "token-1", reason: "laptop stolen" })]);
    const refusedOnA = await query(a, bearer(revoked), "{ agents { extension } }");
    expect(refusedOnA.status).toBe(401);
    expect(await onA.closed).toBe(4403);
    await waitForStatus(() => query(b, bearer(revoked), "{ agents { extension } }"), 401, { timeoutMs: REFRESH_MS * 10 });
    expect(await onB.closed).toBe(4403);
    expect((await query(b, bearer(other), "{ agents { extension } }")).status).toBe(200);
    expect((await query(b, operator, "{ revokedCredentials { kind value } }")).body.data.revokedCredentials).toContainEqual({ kind: "TOKEN", value: "token-1" });
  });
});

describe("revoking a subject", () => {
  it('"sign out everywhere": every token of that subject issued until now is refused, one issued later is accepted; restore lifts it', async () => {
    const before = await token("bob", { issuedAt: Math.floor(Date.now() / 1000) - 5 });
    expect((await query(a, bearer(before), "{ agents { extension } }")).status).toBe(200);
    await query(a, operator, REVOKE, { subject: "bob" });
    expect((await query(a, bearer(before), "{ agents { extension } }")).status).toBe(401);
    const after = await token("bob", { issuedAt: Math.floor(Date.now() / 1000) + 2 });
    expect((await query(a, bearer(after), "{ agents { extension } }")).status).toBe(200);
    expect((await query(a, operator, RESTORE, { subject: "bob" })).body.data.restoreCredentials).toBe(true);
    expect((await query(a, bearer(before), "{ agents { extension } }")).status).toBe(200);
  });

  it("an API key stays refused (no expiry) until restored, on every instance", async () => {
    const key = { "x-api-key": BACKEND_KEY };
    const revoked = await query(a, operator, REVOKE, { subject: "api-key:backend" });
    expect(revoked.body.data.revokeCredentials[0].expiresAt).toBeNull();
    expect((await query(a, key, "{ agents { extension } }")).status).toBe(401);
    await waitForStatus(() => query(b, key, "{ agents { extension } }"), 401, { timeoutMs: REFRESH_MS * 10 });
    await query(b, operator, RESTORE, { subject: "api-key:backend" });
    expect((await query(b, key, "{ agents { extension } }")).status).toBe(200);
    await waitForStatus(() => query(a, key, "{ agents { extension } }"), 200, { timeoutMs: REFRESH_MS * 10 });
  });
});

describe("who may revoke, and bad input", () => {
  it("only an operator; an agent or supervisor gets 403; no target, control characters or 201 characters are BAD_USER_INPUT", async () => {
    for (const credential of [bearer(await token("carol")), { "x-api-key": BACKEND_KEY }]) {
      const refused = await query(a, credential, REVOKE, { subject: "dave" });
      expect(refused.status).toBe(403);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    for (const variables of [{}, { subject: "x\u0000y" }, { tokenId: "t".repeat(201) }]) {
      const bad = await query(a, operator, REVOKE, variables);
      expect(bad.body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe("BAD_USER_INPUT");
    }
    expect((await query(a, operator, "{ revokedCredentials { value } }")).body.data.revokedCredentials.map((r: { value: string }) => r.value)).not.toContain("dave");
  });
});

describe("a restart", () => {
  it("keeps every revocation: the token revoked before it is refused from the first request", async () => {
    const revoked = await token("alice", { jti: "token-1" });
    await b.stop({ keepDatabase: true });
    b = await startService({ ami: { port: peer.port }, database: "postgres", reuse: { url: a.databaseUrl! }, env: { ...env(), AUTH_REVOCATION_REFRESH_MS: "600000" } });
    expect((await query(b, bearer(revoked), "{ agents { extension } }")).status).toBe(401);
    expect(b.logText()).not.toContain(OPERATOR_KEY);
    expect(a.logText()).not.toContain(JWT_SECRET);
  });
});
