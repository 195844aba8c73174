// Authenticator against real keys: a JWKS served over a real HTTP socket, a PEM public key, claims by
// dotted path; API keys by hash only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { loadConfig } from "../../src/config.ts";
import { Authenticator, hashApiKey } from "../../src/http/auth.ts";

let server: Server;
let jwksUrl: string;
let keys: { privateKey: CryptoKey; publicKey: CryptoKey };
let jwksRequests = 0;

beforeAll(async () => {
  keys = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  server = createServer((_req, res) => {
    jwksRequests += 1;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sign = (claims: Record<string, unknown>, kid = "k1") =>
  new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).setSubject("alice").setIssuer("https://idp").setExpirationTime("5m").sign(keys.privateKey);

describe("Authenticator", () => {
  it("verifies against a JWKS URL; role and extensions from nested claims (Keycloak-style role lists)", async () => {
    const auth = new Authenticator(loadConfig({ AUTH_JWKS_URL: jwksUrl, AUTH_JWT_ISSUER: "https://idp", AUTH_ROLE_CLAIM: "realm_access.roles", AUTH_EXTENSIONS_CLAIM: "crm.extensions" }).auth);
    const result = await auth.authenticate({ authorization: `Bearer ${await sign({ realm_access: { roles: ["offline_access", "agent", "supervisor"] }, crm: { extensions: [1001, "1002"] } })}` });
    expect(result).toMatchObject({ ok: true, principal: { role: "supervisor", extensions: ["1001", "1002"], subject: "alice", via: "jwt" } });
    expect(jwksRequests).toBe(1);
    expect(await auth.authenticate({ authorization: `Bearer ${await sign({ realm_access: { roles: ["agent"] } }, "unknown-kid")}` })).toMatchObject({ ok: false, status: 401 });
  });

  it("verifies with a PEM public key; the claim path never walks the prototype", async () => {
    const pem = await exportSPKI(keys.publicKey);
    const auth = new Authenticator(loadConfig({ AUTH_JWT_PUBLIC_KEY: pem, AUTH_JWT_ALGORITHMS: "ES256", AUTH_ROLE_CLAIM: "constructor.name" }).auth);
    expect(await auth.authenticate({ authorization: `Bearer ${await sign({ role: "operator" })}` })).toMatchObject({ ok: false, status: 403 });
    const plain = new Authenticator(loadConfig({ AUTH_JWT_PUBLIC_KEY: pem, AUTH_JWT_ALGORITHMS: "ES256" }).auth);
    expect(await plain.authenticate({ authorization: `Bearer ${await sign({ role: "operator" })}` })).toMatchObject({ ok: true, principal: { role: "operator" } });
    // alg confusion: an HS256 token signed with the PEM text as secret is refused.
    const forged = await new SignJWT({ role: "operator" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode(pem));
    expect(await plain.authenticate({ authorization: `Bearer ${forged}` })).toMatchObject({ ok: false, status: 401 });
  });

  it("API keys are matched by their sha256; a JWT-looking key or an unknown key is refused", async () => {
    const auth = new Authenticator(loadConfig({ AUTH_API_KEYS: `pbx-sync:operator:${hashApiKey("k-123")}:1000|1001` }).auth);
    expect(await auth.authenticate({ apiKey: "k-123" })).toMatchObject({ ok: true, principal: { role: "operator", extensions: ["1000", "1001"], subject: "api-key:pbx-sync" } });
    expect(await auth.authenticate({ apiKey: "k-124" })).toMatchObject({ ok: false, status: 401 });
    expect(await auth.authenticate({ apiKey: "a.b.c" })).toMatchObject({ ok: false, status: 401 });
    expect(await auth.authenticate({})).toMatchObject({ ok: false, status: 401 });
  });
});
