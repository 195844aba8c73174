// GRAPHQL_INTROSPECTION=true with authentication on: introspection is the operator's (GraphiQL's
// schema docs), over real HTTP against the service in production mode.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { startService, type TestService } from "../helpers/service.ts";

const JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef";

let peer: AmiPeer;
let svc: TestService;

const roleToken = (role: string) =>
  new SignJWT({ role, extensions: ["1000"] }).setProtectedHeader({ alg: "HS256" }).setSubject(`${role}-1`).setIssuedAt().setExpirationTime("10m").sign(new TextEncoder().encode(JWT_SECRET));

async function gql(query: string, role: string | null): Promise<{ status: number; body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> } }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (role) headers.authorization = `Bearer ${await roleToken(role)}`;
  const response = await fetch(`${svc.url}/graphql`, { method: "POST", headers, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as never };
}

beforeAll(async () => {
  peer = await AmiPeer.start({ secret: "crmsecret", state: { endpoints: labEndpoints(1000, 1001), contacts: [] } });
  svc = await startService({
    ami: { port: peer.port },
    database: "pglite",
    env: { NODE_ENV: "production", AUTH_JWT_SECRET: JWT_SECRET, GRAPHQL_INTROSPECTION: "true", GRAPHIQL: "true" },
  });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await peer?.close();
});

describe("introspection enabled with authentication on", () => {
  it("an operator may introspect; agents and supervisors get 403 FORBIDDEN, in any spelling of the document", async () => {
    const operator = await gql("{ __schema { queryType { name } } }", "operator");
    expect(operator.status).toBe(200);
    expect(operator.body.data.__schema.queryType.name).toBe("Query");
    for (const role of ["agent", "supervisor"]) {
      for (const query of [
        "{ __schema { types { name } } }",
        '{ __type(name: "Agent") { fields { name } } }',
        "query { ...F } fragment F on Query { __schema { queryType { name } } }",
        "{ agents { extension } s: __schema { queryType { name } } }",
      ]) {
        const refused = await gql(query, role);
        expect(refused.status, `${role}: ${query}`).toBe(403);
        expect(refused.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
        expect(refused.body.data ?? null).toBeNull();
      }
    }
  });

  it("__typename stays open to every role (client caches ask for it), and no credentials is still 401", async () => {
    const agent = await gql("{ __typename agents { __typename extension } }", "agent");
    expect(agent.status).toBe(200);
    expect(agent.body.data.__typename).toBe("Query");
    expect((await gql("{ __schema { queryType { name } } }", null)).status).toBe(401);
  });

  it("the GraphiQL page is served (it holds no data: its requests carry the token typed into its headers)", async () => {
    const page = await fetch(`${svc.url}/graphiql`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("GraphiQL");
  });
});
