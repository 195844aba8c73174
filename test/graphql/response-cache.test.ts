import { describe, expect, it } from "vitest";
import { ApolloServer } from "@apollo/server";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { responseCachePlugin, type ScopedVersions } from "../../src/graphql/response-cache.ts";

function setup(ttlMs = 5_000, cacheableFields?: ReadonlySet<string>) {
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
  const server = new ApolloServer({ schema, plugins: [responseCachePlugin({ dataVersion: () => version, ttlMs, now: () => now, ...(cacheableFields ? { cacheableFields } : {}) })] });
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

  it("with an allow-list, caches only operations made of the listed fields", async () => {
    const t = setup(5_000, new Set(["amiStatus"]));
    await t.run("{ list }");
    expect(await t.run("{ list }")).toEqual({ list: [0, 2] });
    expect(await t.run("{ amiStatus }")).toEqual({ amiStatus: 1 });
    expect(await t.run("{ amiStatus }")).toEqual({ amiStatus: 1 });
  });
});

describe("responseCachePlugin, results that read some agents", () => {
  // `item(id)` reads one agent; `list` reads every agent (scope null). Stamps per id, a global version.
  function scopedSetup() {
    const stamps = new Map<string, number>([["a", 1], ["b", 1]]);
    let changes = 1;
    const executions = { item: 0 };
    let duringItem: (() => void) | null = null;
    const schema = makeExecutableSchema({
      typeDefs: `type Query { item(id: ID!): String! list: [String!]! }`,
      resolvers: {
        Query: {
          item: (_: unknown, { id }: { id: string }, context: { reads: Set<string> | null }) => {
            context.reads?.add(id);
            executions.item++;
            duringItem?.();
            return `${id}@${stamps.get(id)}`;
          },
          list: (_: unknown, __: unknown, context: { reads: Set<string> | null }) => ((context.reads = null), [...stamps.keys()]),
        },
      },
    });
    const scoped: ScopedVersions<{ reads: Set<string> | null }> = {
      mark: () => changes,
      readsOf: (context) => (context.reads ? [...context.reads] : null),
      changedSince: (ids, mark) => ids.some((id) => (stamps.get(id) ?? -1) > (mark as number)),
      version: (ids) => ids.map((id) => stamps.get(id) ?? -1).join(","),
    };
    const server = new ApolloServer<{ reads: Set<string> | null }>({ schema, plugins: [responseCachePlugin({ dataVersion: () => String(changes), scoped, ttlMs: 5_000 })] });
    const run = async (query: string) => {
      const response = await server.executeOperation({ query }, { contextValue: { reads: new Set<string>() } });
      return response.body.kind === "single" ? response.body.singleResult.data : undefined;
    };
    const change = (id: string) => stamps.set(id, ++changes);
    return { run, executions, change, onItem: (f: (() => void) | null) => (duringItem = f) };
  }

  it("is reused while other agents change, executed again when its own agent changes", async () => {
    const t = scopedSetup();
    expect(await t.run(`{ item(id: "a") }`)).toEqual({ item: "a@1" });
    t.change("b");
    t.change("b");
    expect(await t.run(`{ item(id: "a") }`)).toEqual({ item: "a@1" });
    expect(t.executions.item).toBe(1);
    t.change("a");
    expect(await t.run(`{ item(id: "a") }`)).toEqual({ item: "a@4" });
    expect(t.executions.item).toBe(2);
  });

  it("is not kept when its agent changed while it was read; a whole-list read keeps the global version", async () => {
    const t = scopedSetup();
    t.onItem(() => t.change("a"));
    await t.run(`{ item(id: "a") }`);
    t.onItem(null);
    await t.run(`{ item(id: "a") }`);
    expect(t.executions.item).toBe(2); // the first result was read across a change: not reused
    await t.run(`{ item(id: "a") }`);
    expect(t.executions.item).toBe(2);

    expect(await t.run(`{ list item(id: "a") }`)).toEqual({ list: ["a", "b"], item: "a@2" });
    await t.run(`{ list item(id: "a") }`);
    expect(t.executions.item).toBe(3); // reused while nothing moved
    t.change("b");
    await t.run(`{ list item(id: "a") }`);
    expect(t.executions.item).toBe(4); // it also read the list, which b's change moved: executed again
  });
});
