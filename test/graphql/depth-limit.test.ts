import { describe, expect, it } from "vitest";
import { buildSchema as buildSdl, parse, validate } from "graphql";
import { depthLimit } from "../../src/graphql/depth-limit.ts";

// A recursive schema, so depth is unbounded without the rule.
const schema = buildSdl(`type Node { id: ID! child: Node } type Query { root: Node }`);
const nested = (depth: number) => `{ root ${"{ child ".repeat(depth - 1)}{ id }${" }".repeat(depth - 1)} }`;

describe("depthLimit", () => {
  it("accepts operations up to the limit and refuses deeper ones with a clear code", () => {
    expect(validate(schema, parse(nested(4)), [depthLimit(5)])).toEqual([]);
    const errors = validate(schema, parse(nested(7)), [depthLimit(5)]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/depth \d+ exceeds the limit of 5/);
    expect(errors[0]!.extensions.code).toBe("QUERY_TOO_DEEP");
  });

  it("follows fragments and survives fragment cycles", () => {
    const viaFragments = `{ root { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { child { child { child { id } } } } }`;
    expect(validate(schema, parse(viaFragments), [depthLimit(5)])).toHaveLength(1);
    const cyclic = `{ root { ...A } } fragment A on Node { child { ...A } }`;
    expect(() => validate(schema, parse(cyclic), [depthLimit(5)])).not.toThrow();
  });
});
