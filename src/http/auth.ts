// Who is calling: the same credentials on HTTP (Authorization / X-API-Key headers) and on graphql-ws
// (connection_init payload), turned into a Principal. JWTs are verified with `jose` (shared secret,
// PEM public key or a JWKS URL, issuer/audience checked); API keys are compared by their sha256 (the
// configuration never holds a key) in constant time. What a principal may do is decided elsewhere,
// in one place: src/graphql/auth-directive.ts for GraphQL, requireRole() below for REST.
import { createHash, timingSafeEqual } from "node:crypto";
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { ROLES, type AuthConfig, type Role } from "../config.ts";
import type { RevocationList } from "./revocations.ts";

export interface Principal {
  role: Role;
  /** The agent's own extension(s): what an `agent` may change. */
  extensions: readonly string[];
  /** Token subject or API key name; for logs, never a credential. */
  subject: string;
  via: "jwt" | "api-key" | "open";
  /** Epoch ms after which the credential is no longer valid (a subscription is closed then); null: never. */
  expiresAt: number | null;
  /** A JWT's `jti`: what a single-token revocation names. */
  tokenId?: string;
  /** A JWT's `iat` (epoch ms): a subject's revocation refuses tokens issued at or before it. */
  issuedAt?: number;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; reason: string };

const RANK: Record<Role, number> = { agent: 1, supervisor: 2, operator: 3 };

/** Roles are ordered: an operator may do what a supervisor may, a supervisor what an agent may. */
export function hasRole(principal: Principal, required: Role): boolean {
  return RANK[principal.role] >= RANK[required];
}

export const OPEN_PRINCIPAL: Principal = Object.freeze({ role: "operator", extensions: [], subject: "anonymous (AUTH_MODE=open)", via: "open", expiresAt: null });

export interface Credentials {
  /** `Bearer <jwt or api key>` */
  authorization?: string | undefined;
  apiKey?: string | undefined;
}

export class Authenticator {
  private readonly keys: ReadonlyArray<{ name: string; role: Role; digest: Buffer; extensions: readonly string[] }>;
  private jwtKey: Promise<JWTVerifyGetKey | Uint8Array | CryptoKey> | null;

  constructor(
    private readonly config: AuthConfig,
    private readonly now: () => number = Date.now,
    private readonly revocations: RevocationList | null = null,
  ) {
    this.keys = config.apiKeys.map((k) => ({ name: k.name, role: k.role, digest: Buffer.from(k.sha256, "hex"), extensions: k.extensions }));
    this.jwtKey = null;
  }

  get open(): boolean {
    return this.config.mode === "open";
  }

  async authenticate(credentials: Credentials): Promise<AuthResult> {
    if (this.open) return { ok: true, principal: OPEN_PRINCIPAL };
    const result = await this.identify(credentials);
    if (result.ok && this.revocations?.isRevoked(result.principal)) return { ok: false, status: 401, reason: "credentials revoked" };
    return result;
  }

  /** Whether a principal authenticated earlier has been revoked since (open sockets are checked on every change). */
  isRevoked(principal: Principal): boolean {
    return this.revocations?.isRevoked(principal) ?? false;
  }

  private async identify(credentials: Credentials): Promise<AuthResult> {
    const bearer = /^\s*Bearer\s+(\S+)\s*$/i.exec(credentials.authorization ?? "")?.[1];
    const presented = credentials.apiKey?.trim() || bearer;
    if (!presented) return { ok: false, status: 401, reason: "credentials required (Authorization: Bearer <token>)" };
    if (presented.length > 8_192) return { ok: false, status: 401, reason: "credential too long" };
    const apiKey = this.matchApiKey(presented);
    if (apiKey) return { ok: true, principal: apiKey };
    if (!credentials.apiKey && this.config.jwt && presented.split(".").length === 3) return this.verifyJwt(presented);
    return { ok: false, status: 401, reason: "invalid credentials" };
  }

  private matchApiKey(presented: string): Principal | null {
    const digest = createHash("sha256").update(presented, "utf8").digest();
    let found: Principal | null = null;
    // Compare against every key, always: the time taken says nothing about which one matched.
    for (const key of this.keys) {
      if (timingSafeEqual(digest, key.digest)) found = { role: key.role, extensions: key.extensions, subject: `api-key:${key.name}`, via: "api-key", expiresAt: null };
    }
    return found;
  }

  private async verifyJwt(token: string): Promise<AuthResult> {
    const jwt = this.config.jwt;
    if (!jwt) return { ok: false, status: 401, reason: "invalid credentials" };
    let payload: JWTPayload;
    try {
      const key = await this.key();
      const options = {
        algorithms: jwt.algorithms,
        clockTolerance: jwt.clockToleranceS,
        currentDate: new Date(this.now()),
        ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
        ...(jwt.audience ? { audience: jwt.audience } : {}),
      };
      payload = (typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)).payload;
    } catch (error) {
      return { ok: false, status: 401, reason: jwtFailure(error) };
    }
    const role = pickRole(claim(payload, this.config.roleClaim));
    if (!role) return { ok: false, status: 403, reason: `token has no known role in claim "${this.config.roleClaim}"` };
    return {
      ok: true,
      principal: {
        role,
        extensions: toStrings(claim(payload, this.config.extensionsClaim)),
        subject: typeof payload.sub === "string" ? payload.sub.slice(0, 200) : "jwt",
        via: "jwt",
        expiresAt: typeof payload.exp === "number" ? payload.exp * 1000 : null,
        ...(typeof payload.jti === "string" ? { tokenId: payload.jti.slice(0, 200) } : {}),
        ...(typeof payload.iat === "number" ? { issuedAt: payload.iat * 1000 } : {}),
      },
    };
  }

  private key(): Promise<JWTVerifyGetKey | Uint8Array | CryptoKey> {
    const jwt = this.config.jwt;
    this.jwtKey ??= (async () => {
      if (jwt?.secret) return new TextEncoder().encode(jwt.secret);
      if (jwt?.publicKeyPem) {
        const algorithm = jwt.algorithms[0] ?? "RS256";
        return importSPKI(jwt.publicKeyPem, algorithm);
      }
      if (jwt?.jwksUrl) return createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
      return createLocalJWKSet({ keys: [] });
    })();
    // A failed import is retried on the next request instead of being cached forever.
    this.jwtKey.catch(() => (this.jwtKey = null));
    return this.jwtKey;
  }
}

/** Credentials from HTTP headers. */
export function credentialsFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Credentials {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return { authorization: first(headers.authorization), apiKey: first(headers["x-api-key"]) };
}

/** Credentials from a graphql-ws connection_init payload: `{ authorization: "Bearer …" }`, `{ token }` or `{ apiKey }`. */
export function credentialsFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): Credentials {
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  const authorization = text(params?.authorization) ?? text(params?.Authorization);
  const token = text(params?.token);
  return { authorization: authorization ?? (token ? `Bearer ${token}` : undefined), apiKey: text(params?.apiKey) ?? text(params?.["x-api-key"]) };
}

/** sha256 hex of an API key, for AUTH_API_KEYS. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function claim(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The highest known role among the claim's values (a string, or a list such as Keycloak's roles). */
function pickRole(value: unknown): Role | null {
  let best: Role | null = null;
  for (const candidate of toStrings(value)) {
    const role = ROLES.find((r) => r === candidate.toLowerCase());
    if (role && (!best || RANK[role] > RANK[best])) best = role;
  }
  return best;
}

function toStrings(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return values.filter((v) => typeof v === "string" || typeof v === "number").map(String).slice(0, 100);
}

function jwtFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "token expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token rejected: ${error.claim} claim check failed`;
  if (error instanceof joseErrors.JOSEError) return "invalid token";
  return "token could not be verified";
}
