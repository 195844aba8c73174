// The @auth directive on a small schema: role order, type-level rules, own-extension arguments, and
// subscribe functions — the same transform the service's schema goes through.
import { describe, expect, it } from "vitest";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { execute, parse, subscribe } from "graphql";
import { applyAuthDirective } from "../../src/graphql/auth-directive.ts";
import type { Principal } from "../../src/http/auth.ts";

const schema = applyAuthDirective(
  makeExecutableSchema({
    typeDefs: `
      enum Role { AGENT SUPERVISOR OPERATOR }
      directive @auth(requires: Role! = AGENT, ownExtension: String) on FIELD_DEFINITION | OBJECT
      type Secret @auth(requires: SUPERVISOR) { value: String }
      type Query { open: String  secret: Secret  ops: String @auth(requires: OPERATOR) }
      type Mutation {
        setDnd(extension: ID!, on: Boolean!): String @auth(ownExtension: "extension")
        pauseMany(extensions: [ID!]!): String @auth(ownExtension: "extensions")
      }
      type Subscription { feed: String @auth(requires: SUPERVISOR) }
    `,
    resolvers: {
      Query: { open: () => "yes", secret: () => ({ value: "s" }), ops: () => "ops" },
      Mutation: { setDnd: (_: unknown, a: { extension: string }) => `dnd ${a.extension}`, pauseMany: () => "paused" },
      Subscription: {
        feed: {
          subscribe: async function* () {
            yield { feed: "event" };
          },
        },
      },
    },
  }),
);

const who = (role: Principal["role"], extensions: string[] = ["1000"]): Principal => ({ role, extensions, subject: "t", via: "jwt", expiresAt: null });
const run = async (query: string, principal: Principal | null) => {
  const result = await execute({ schema, document: parse(query), contextValue: { principal } });
  return { data: result.data, codes: (result.errors ?? []).map((e) => e.extensions.code) };
};

describe("@auth", () => {
  it("no principal: UNAUTHENTICATED on every root field", async () => {
    expect((await run("{ open }", null)).codes).toEqual(["UNAUTHENTICATED"]);
  });

  it("roles are ordered; a type-level rule covers every field of the type", async () => {
    expect(await run("{ open }", who("agent"))).toEqual({ data: { open: "yes" }, codes: [] });
    expect((await run("{ secret { value } }", who("agent"))).codes).toEqual(["FORBIDDEN"]);
    expect((await run("{ secret { value } }", who("supervisor"))).data).toEqual({ secret: { value: "s" } });
    expect((await run("{ ops }", who("supervisor"))).codes).toEqual(["FORBIDDEN"]);
    expect((await run("{ ops secret { value } }", who("operator"))).codes).toEqual([]);
  });

  it("ownExtension: an agent only for their own extension(s); a supervisor for anyone", async () => {
    expect((await run('mutation { setDnd(extension: "1000", on: true) }', who("agent"))).data).toEqual({ setDnd: "dnd 1000" });
    expect((await run('mutation { setDnd(extension: "1001", on: true) }', who("agent"))).codes).toEqual(["FORBIDDEN"]);
    expect((await run('mutation { setDnd(extension: "1001", on: true) }', who("agent", []))).codes).toEqual(["FORBIDDEN"]);
    expect((await run('mutation { setDnd(extension: "1001", on: true) }', who("supervisor", []))).data).toEqual({ setDnd: "dnd 1001" });
    expect((await run('mutation { pauseMany(extensions: ["1000", "1001"]) }', who("agent", ["1000"]))).codes).toEqual(["FORBIDDEN"]);
    expect((await run('mutation { pauseMany(extensions: ["1000", "1001"]) }', who("agent", ["1000", "1001"]))).codes).toEqual([]);
  });

  it("subscriptions are checked when they start", async () => {
    const refused = await subscribe({ schema, document: parse("subscription { feed }"), contextValue: { principal: who("agent") } });
    expect("errors" in refused && refused.errors?.[0]?.extensions.code).toBe("FORBIDDEN");
    const allowed = await subscribe({ schema, document: parse("subscription { feed }"), contextValue: { principal: who("supervisor") } });
    expect(Symbol.asyncIterator in allowed).toBe(true);
  });
});
