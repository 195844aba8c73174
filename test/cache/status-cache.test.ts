import { describe, expect, it } from "vitest";
import { StatusCache } from "../../src/cache/status-cache.ts";
import type { StoredAgent } from "../../src/domain/ports.ts";

const agent = (extension: string, name: string, lastSeen = new Date(1_000)) => ({ extension, name, userId: null, lastSeen, contacts: [{ uri: `sip:${extension}@h` }] }) as unknown as StoredAgent;

describe("StatusCache version", () => {
  it("stays when a refill brings back the same agents (the TTL reload), moves when anything differs", () => {
    let now = 0;
    const cache = new StatusCache(1_000, () => now);
    cache.putAll([agent("1000", "Ann"), agent("1001", "Bob")]);
    const v1 = cache.version;
    now += 2_000; // expired: the next read reloads
    expect(cache.listValid).toBe(false);
    cache.putAll([agent("1000", "Ann"), agent("1001", "Bob", new Date(1_000))]);
    expect(cache.version).toBe(v1);
    expect(cache.listValid).toBe(true);
    cache.put("1001", agent("1001", "Bob"));
    expect(cache.version).toBe(v1);

    cache.putAll([agent("1000", "Ann"), agent("1001", "Bob", new Date(2_000))]);
    const v2 = cache.version;
    expect(v2).not.toBe(v1);
    cache.putAll([agent("1000", "Ann")]); // 1001 gone
    expect(cache.version).not.toBe(v2);
    expect(cache.get("1001")).toBeUndefined();
    const v3 = cache.version;
    cache.put("1000", agent("1000", "Anne"));
    expect(cache.version).not.toBe(v3);
  });
});
