import { describe, expect, it } from "vitest";
import { ApolloServer } from "@apollo/server";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { responseCachePlugin } from "../../src/graphql/response-cache.ts";

function setup(ttlMs = 5_000) {
  let version = "v1";
  let now = 0;
  const executions = { list: 0, counter: 0 };
  const schema = makeExecutableSchema({
    typeDefs: `type Query { list(n: Int): [Int!]! amiStatus: Int! } type Mutation { bump: Int! }`,
    resolvers: {
      Query: { list: (_: unknown, { n }: { n?: number }) => (executions.list++, [n ?? 0, executions.list]), amiStatus: () => ++executions.counter },
      Mutation: { bump: () => 1 },
    },
  });
  const server = new ApolloServer({ schema, plugins: [responseCachePlugin({ dataVersion: () => version, ttlMs, now: () => now })] });
  const run = async (query: string, variables?: Record<string, unknown>) => {
    const response = await server.executeOperation({ query, variables });
    return response.body.kind === "single" ? response.body.singleResult.data : undefined;
  };
  return { run, executions, setVersion: (v: string) => (version = v), advance: (ms: number) => (now += ms) };
}

describe("responseCachePlugin", () => {
  it("reuses a result while the data version is unchanged, executes again when it moves", async () => {
    const t = setup();
    expect(await t.run("{ list }")).toEqual({ list: [0, 1] });
    expect(await t.run("{ list }")).toEqual({ list: [0, 1] });
    expect(t.executions.list).toBe(1);
    t.setVersion("v2");
    expect(await t.run("{ list }")).toEqual({ list: [0, 2] });
  });

  it("keys on variables and expires after the TTL", async () => {
    const t = setup(1_000);
    await t.run("query($n: Int) { list(n: $n) }", { n: 1 });
    expect(await t.run("query($n: Int) { list(n: $n) }", { n: 2 })).toEqual({ list: [2, 2] });
    t.advance(1_001);
    expect(await t.run("query($n: Int) { list(n: $n) }", { n: 1 })).toEqual({ list: [1, 3] });
  });

  it("expires after the TTL also while it is hit all the time (a reuse does not renew it)", async () => {
    const t = setup(1_000);
    await t.run("{ list }");
    for (let i = 0; i < 5; i++) {
      t.advance(300);
      await t.run("{ list }");
    }
    expect(t.executions.list).toBe(2); // executed again once 1 s had passed since the first execution
  });

  it("never caches amiStatus (counters) or mutations", async () => {
    const t = setup();
    expect(await t.run("{ amiStatus }")).toEqual({ amiStatus: 1 });
    expect(await t.run("{ amiStatus }")).toEqual({ amiStatus: 2 });
    expect(await t.run("{ list amiStatus }")).toEqual({ list: [0, 1], amiStatus: 3 });
    await t.run("mutation { bump }");
    await t.run("mutation { bump }");
  });
});
