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

describe("StatusCache stamps (what a response that read some agents depends on)", () => {
  it("an entry's stamp moves only when it changes; dropping entries moves the structure", () => {
    const cache = new StatusCache(1_000, () => 0);
    cache.putAll([agent("1000", "Ann"), agent("1001", "Bob"), agent("1002", "Cy")]);
    const ann = cache.stampOf("1000");
    const structure = cache.structure;
    cache.applyState("1001", { extension: "1001", status: "BUSY" } as never, true);
    cache.put("1002", agent("1002", "Cyd"));
    cache.put("1000", agent("1000", "Ann")); // the same again: no change
    expect(cache.stampOf("1000")).toBe(ann);
    expect(cache.stampOf("1001")).toBeGreaterThan(ann);
    expect(cache.stampOf("1002")).toBeGreaterThan(ann);
    expect(cache.structure).toBe(structure);
    expect(cache.stampOf("1003")).toBe(-1);

    cache.putAll([agent("1000", "Ann"), agent("1001", "Bob")]); // 1002 gone
    expect(cache.structure).toBeGreaterThan(structure);
    expect(cache.stampOf("1002")).toBe(-1);
    const afterDrop = cache.structure;
    cache.applyState("1004", { extension: "1004" } as never, true); // unknown: dropped, the list must be read again
    expect(cache.structure).toBeGreaterThan(afterDrop);
    const beforeClear = cache.structure;
    cache.clear();
    expect(cache.structure).toBeGreaterThan(beforeClear);
  });
});
