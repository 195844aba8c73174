// The request router's path and query string: the API's own path without a URL object, every other
// path normalised as WHATWG URL does (static files and REST rely on it).
import { describe, expect, it } from "vitest";
import { routeOf } from "../../src/http/server.ts";

describe("routeOf", () => {
  it.each(["/graphql", "/graphql?", "/graphql?query=%7Ba%7D&variables=%7B%7D", "/graphql?a=1?b", "/", "/graphiql", "/api/agents?x=1", "/assets/../graphql", "//graphql", "/a/./b/../c"])(
    "agrees with new URL for %s",
    (target) => {
      const url = new URL(target, "http://localhost");
      expect(routeOf(target)).toEqual({ path: url.pathname, search: url.search });
    },
  );
});
