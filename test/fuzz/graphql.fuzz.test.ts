// Fuzzing GraphQL input: token soup and schema-shaped documents with nested fragments go through the
// parser (token limit) and every validation rule both transports use; nothing may throw anything but
// a GraphQLError, and the nesting check of request bodies agrees with the JSON's real depth.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GraphQLError, parse, specifiedRules, validate } from "graphql";
import { buildSchema, validationRules } from "../../src/graphql/schema.ts";
import { nestingExceeds } from "../../src/http/body.ts";
import { fuzzParameters, FUZZ_TIMEOUT_MS } from "./fuzz-settings.ts";

const schema = buildSchema();
const rules = [...specifiedRules, ...validationRules({ introspection: false, maxDepth: 8, maxAliases: 15, maxDirectives: 20, maxCost: 5_000 })];

function check(text: string): void {
  let document;
  try {
    document = parse(text, { maxTokens: 2_000 });
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return;
  }
  const errors = validate(schema, document, rules);
  for (const error of errors) expect(error).toBeInstanceOf(GraphQLError);
}

const TOKENS = ["{", "}", "(", ")", "[", "]", "...", "on", "fragment", "query", "mutation", "subscription", ":", "$", "!", "=", "@include", "@skip", "(if: true)", "agents", "agent", "extension", "contacts", "uri", "status", "amiStatus", "__schema", "__typename", "Agent", "Contact", "AgentsSnapshot", "F", "G", '"1000"', "1", "null", "#c\n", ",", "a:", "b:"];

const FIELDS: Record<string, string[]> = {
  Query: ["agents", "availableAgents", "extensions", "amiStatus", '__typename'],
  Agent: ["extension", "name", "status", "online", "available", "stale", "deviceState", "lastSeen", "contacts"],
  Contact: ["id", "uri", "status", "roundtripUsec", "userAgent", "expiresAt"],
  AmiStatus: ["connected", "synced", "reconnects"],
};

/** A selection set on `type` with random fields, aliases, directives and fragment spreads. */
const selection = (type: string, depth: number): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...FIELDS[type === "Query" ? "Query" : type]!).chain((field) => {
          const child = field === "agents" || field === "availableAgents" || field === "extensions" ? "Agent" : field === "contacts" ? "Contact" : field === "amiStatus" ? "AmiStatus" : null;
          const alias = fc.option(fc.constantFrom("a", "b", "c"), { nil: undefined });
          const directive = fc.constantFrom("", " @include(if: true)", " @skip(if: false)");
          return fc.tuple(alias, directive, child && depth > 0 ? selection(child, depth - 1) : fc.constant("")).map(([a, d, sub]) =>
            child && !sub ? "" : `${a ? `${a}: ` : ""}${field}${d}${sub ? ` { ${sub} }` : ""}`,
          );
        }),
        fc.constantFrom("...F0", "...F1", "__typename"),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((parts) => parts.filter(Boolean).join(" ") || "__typename");

const document = fc
  .tuple(selection("Query", 4), fc.integer({ min: 0, max: 30 }), selection("Agent", 2))
  .map(([root, fragments, agentFields]) => {
    let text = `query Q { ${root} }\n`;
    for (let i = 0; i < fragments; i++) text += `fragment F${i} on Agent { ${agentFields} ...F${i + 1} ...F${i + 1} }\n`;
    return `${text}fragment F${fragments} on Agent { extension }\n`;
  });

describe("GraphQL documents (fast-check)", () => {
  it("token soup: parse + every validation rule, only GraphQLErrors", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 200 }), (tokens) => check(tokens.join(" "))), fuzzParameters(2_000));
  }, FUZZ_TIMEOUT_MS);

  it("schema-shaped documents with up to 30 doubly nested fragments validate without throwing (linear rules)", () => {
    fc.assert(fc.property(document, check), fuzzParameters(100));
  }, FUZZ_TIMEOUT_MS);

  it("arbitrary text never throws anything but a GraphQLError", () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), check), fuzzParameters(1_000));
  }, FUZZ_TIMEOUT_MS);
});

describe("JSON nesting check (fast-check)", () => {
  const depth = (value: unknown): number =>
    Array.isArray(value) ? 1 + Math.max(0, ...value.map(depth)) : typeof value === "object" && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depth)) : 0;
  it("agrees with the real depth of any JSON value, brackets inside strings included", () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, fc.string({ unit: fc.constantFrom("[", "]", "{", "}", '"', "\\", "a") }), fc.integer(), tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 3 }),
      object: fc.dictionary(fc.string({ unit: fc.constantFrom("[", "{", '"', "k") , maxLength: 3 }), tie("value"), { maxKeys: 3 }),
    })).value;
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 6 }), (value, max) => {
        expect(nestingExceeds(JSON.stringify(value), max)).toBe(depth(value) > max);
      }),
      fuzzParameters(2_000),
    );
  }, FUZZ_TIMEOUT_MS);
});
