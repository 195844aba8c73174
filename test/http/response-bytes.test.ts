import { describe, expect, it } from "vitest";
import { ResponseBytes } from "../../src/http/response-bytes.ts";

function setup(options: { maxBytes?: number; maxEntries?: number } = {}) {
  const t = { version: "v1", now: 0, confirmedUntil: 0 };
  const cache = new ResponseBytes({
    dataVersion: () => t.version,
    confirmedUntil: () => t.confirmedUntil,
    now: () => t.now,
    maxBytes: options.maxBytes ?? 1024 * 1024,
    maxEntries: options.maxEntries ?? 100,
  });
  const response = (text: string) => ({ status: 200, headers: [["content-type", "application/json; charset=utf-8"]] as const, body: text });
  return { t, cache, response };
}

describe("ResponseBytes", () => {
  it("keys on role, method, query string, the headers Apollo reads and the body", () => {
    const { cache } = setup();
    const key = (role: string, headers: Record<string, string>, body = "{}", extra: Record<string, string> = {}) => cache.key(role, "POST", "", headers, extra, body);
    const base = key("agent", { "content-type": "application/json" });
    expect(key("agent", { "content-type": "application/json", "user-agent": "x" })).toBe(base);
    expect(key("supervisor", { "content-type": "application/json" })).not.toBe(base);
    expect(key("agent", { "content-type": "text/plain" })).not.toBe(base);
    expect(key("agent", { "content-type": "application/json", accept: "application/graphql-response+json" })).not.toBe(base);
    expect(key("agent", { "content-type": "application/json" }, "{}", { "apollo-require-preflight": "true" })).not.toBe(base);
    expect(key("agent", { "content-type": "application/json" }, '{"a":1}')).not.toBe(base);
  });

  it("answers while the data version is current and the TTL (or a later confirmation of the same data) runs", () => {
    const { t, cache, response } = setup();
    cache.set("k", { version: "v1", expiresAt: 1_000 }, response("one"));
    expect(String(cache.get("k")?.body)).toBe("one");
    t.now = 1_000;
    expect(cache.get("k")).toBeNull(); // expired, nothing confirmed since
    cache.set("k", { version: "v1", expiresAt: 2_000 }, response("two"));
    t.now = 2_500;
    t.confirmedUntil = 5_000; // the source was re-read and the version did not move
    expect(String(cache.get("k")?.body)).toBe("two");
    t.version = "v2";
    expect(cache.get("k")).toBeNull();
  });

  it("stays within its byte and entry budgets", () => {
    const { cache, response } = setup({ maxBytes: 200, maxEntries: 2 }); // an entry of 40 characters takes 82 bytes
    cache.set("a", { version: "v1", expiresAt: 1 }, response("x".repeat(40)));
    cache.set("b", { version: "v1", expiresAt: 1 }, response("y".repeat(40)));
    expect(cache.get("a")).not.toBeNull();
    cache.set("c", { version: "v1", expiresAt: 1 }, response("z".repeat(40))); // over both: starts again
    expect(cache.get("a")).toBeNull();
    expect(cache.get("c")).not.toBeNull();
    cache.set("huge", { version: "v1", expiresAt: 1 }, response("h".repeat(200)));
    expect(cache.get("huge")).toBeNull();
  });
});
