// The cost/abuse rules (GraphQL Armor) on a recursive schema, together with graphql-js's own rules as
// HTTP and graphql-ws run them.
import { describe, expect, it } from "vitest";
import { buildSchema as buildSdl, parse, specifiedRules, validate } from "graphql";
import { buildSchema, validationRules, type CostLimits } from "../../src/graphql/schema.ts";

// A recursive schema, so depth is unbounded without the rule. Armor counts the leaf field as a level.
const schema = buildSdl(`type Node { id: ID! name: String child: Node } type Query { root: Node }`);
const nested = (depth: number) => `{ root ${"{ child ".repeat(depth - 1)}{ id }${" }".repeat(depth - 1)} }`;
const limits: CostLimits = { introspection: true, maxDepth: 5, maxAliases: 3, maxDirectives: 3, maxCost: 5_000 };
const check = (query: string, options: Partial<CostLimits> = {}) => validate(schema, parse(query), [...specifiedRules, ...validationRules({ ...limits, ...options })]);

/** Each fragment spreads the next one twice: a rule that walks spreads without memoizing does 2^n work. */
function doublingFragments(n: number): string {
  let text = "query Q { root { ...F0 } }\n";
  for (let i = 0; i < n; i++) text += `fragment F${i} on Node { id ...F${i + 1} ...F${i + 1} }\n`;
  return `${text}fragment F${n} on Node { id }\n`;
}

describe("validation rules", () => {
  it("depth: accepts operations up to the limit and refuses deeper ones, fragments followed", () => {
    expect(check(nested(4))).toEqual([]);
    const errors = check(nested(7));
    expect(errors.map((e) => [e.extensions.code, e.message])).toEqual([["QUERY_TOO_DEEP", "Query depth limit of 5 exceeded, found 8."]]);
    const viaFragments = `{ root { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { child { child { child { id } } } } }`;
    expect(check(viaFragments).map((e) => e.extensions.code)).toEqual(["QUERY_TOO_DEEP"]);
  });

  it("aliases, directives and cost each have their limit", () => {
    expect(check(`{ a: root { id } b: root { id } c: root { id } }`)).toEqual([]);
    expect(check(`{ a: root { id } b: root { id } c: root { id } d: root { id } }`).map((e) => e.extensions.code)).toEqual(["TOO_MANY_ALIASES"]);
    expect(check(`{ root @include(if: true) { id @skip(if: false) name @skip(if: false) child @skip(if: false) { id } } }`).map((e) => e.extensions.code)).toEqual([
      "TOO_MANY_DIRECTIVES",
    ]);
    expect(check(nested(4), { maxCost: 10 }).map((e) => e.extensions.code)).toEqual(["QUERY_TOO_COSTLY"]);
  });

  it("a fragment cycle is reported by graphql-js, not a stack overflow", () => {
    const errors = check(`{ root { ...A } } fragment A on Node { child { ...A } }`);
    expect(errors.some((e) => /Cannot spread fragment "A" within itself/.test(e.message))).toBe(true);
  });

  it("30 doubly nested fragment spreads validate (linear: 2^30 walks would never finish)", () => {
    const errors = check(doublingFragments(30), { maxDepth: 50, maxCost: Number.MAX_SAFE_INTEGER });
    expect(errors).toEqual([]);
    // The cost rule counts each spread (fields are not merged), so a default limit refuses it.
    expect(check(doublingFragments(30), { maxDepth: 50 }).map((e) => e.extensions.code)).toEqual(["QUERY_TOO_COSTLY"]);
  });

  it("the service's schema: a dashboard query passes the default limits", () => {
    const dashboard = `query Dashboard {
      agents(status: [AVAILABLE, RINGING, ON_CALL], search: "10") {
        extension name status online available stale deviceState lastSeen updatedAt
        contacts { id uri status roundtripUsec userAgent expiresAt }
      }
      extensions { extension isRegistered status lastSeen }
      amiStatus { connected synced reconnects lastEventAt lastResyncAt lastError cacheHits cacheMisses pendingWrites }
    }`;
    const defaults: CostLimits = { introspection: false, maxDepth: 8, maxAliases: 15, maxDirectives: 20, maxCost: 5_000 };
    expect(validate(buildSchema(), parse(dashboard), [...specifiedRules, ...validationRules(defaults)])).toEqual([]);
  });
});
