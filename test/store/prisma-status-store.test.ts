// The StatusStore on real PostgreSQL and on PGlite: round trips, replacement and removal of contacts,
// user links, and set-based writes of many extensions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredAgent } from "../../src/domain/ports.ts";
import type { PrismaClient } from "../../src/store/database.ts";
import { createPrismaStatusStore } from "../../src/store/prisma-status-store.ts";
import { agent, contact } from "../helpers/agents.ts";
import { createTestPglite, createTestPostgres, type TestDatabase } from "../helpers/databases.ts";

const backends = [
  ["PostgreSQL", createTestPostgres],
  ["PGlite", createTestPglite],
] as const;

describe.each(backends)("PrismaStatusStore on %s", (_name, createDatabase) => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  const calls = { raw: 0, transactions: 0 };

  beforeAll(async () => {
    database = await createDatabase();
    prisma = countingRawCalls(database.db.prisma, calls);
  }, 60_000);
  afterAll(() => database?.drop());

  const store = () => createPrismaStatusStore(prisma);
  const stored = (state: ReturnType<typeof agent>, extra: Partial<StoredAgent> = {}): StoredAgent => ({
    ...state,
    contacts: [...state.contacts].sort((a, b) => (a.id < b.id ? -1 : 1)),
    name: null,
    userId: null,
    stale: false,
    ...extra,
  });

  it("stores what was written and loads it back, by extension and all", async () => {
    const a = agent("1000", [contact("1000", 1), contact("1000", 2, { status: "Unreachable", roundtripUsec: null })]);
    const b = agent("1001", [], { status: "OFFLINE" });
    await store().writeExtensions([
      { extension: "1000", state: a },
      { extension: "1001", state: b },
    ]);

    const byExtension = await store().loadByExtensions(["1000", "1001", "9999"]);
    expect([...byExtension.keys()].sort()).toEqual(["1000", "1001"]);
    expect(byExtension.get("1000")).toEqual(stored(a));
    expect(byExtension.get("1001")).toEqual(stored(b));
    expect(await store().loadAll()).toEqual([stored(a), stored(b)]);
  });

  it("replaces contacts: upserts the new set and deletes the ones Asterisk no longer reports", async () => {
    const before = agent("1002", [contact("1002", 1), contact("1002", 2), contact("1002", 3)]);
    await store().writeExtensions([{ extension: "1002", state: before }]);
    const after = agent("1002", [contact("1002", 2, { status: "Unreachable", viaPort: 5070 }), contact("1002", 4)], { status: "AVAILABLE", updatedAt: 1_732_400_009_000 });
    await store().writeExtensions([{ extension: "1002", state: after }]);

    expect((await store().loadByExtensions(["1002"])).get("1002")).toEqual(stored(after));
    const ids = await prisma.psContact.findMany({ where: { endpointId: "1002" }, select: { id: true }, orderBy: { id: "asc" } });
    expect(ids.map((c) => c.id)).toEqual([contact("1002", 2).id, contact("1002", 4).id]);
  });

  it("removes an endpoint written with state null, and its contacts with it (cascade)", async () => {
    await store().writeExtensions([{ extension: "1003", state: agent("1003", [contact("1003", 1)]) }]);
    await store().writeExtensions([{ extension: "1003", state: null }]);
    expect((await store().loadByExtensions(["1003"])).size).toBe(0);
    expect(await prisma.psContact.count({ where: { endpointId: "1003" } })).toBe(0);
  });

  it("links contacts to the user owning the extension, and takes the agent name from users, else ps_endpoints", async () => {
    const user = await prisma.user.create({ data: { name: "Alice", extension: "1004" } });
    await store().writeExtensions([
      { extension: "1004", state: agent("1004", [contact("1004", 1)]) },
      { extension: "1005", state: agent("1005", [contact("1005", 1)]) },
    ]);
    await prisma.psEndpoint.update({ where: { id: "1005" }, data: { name: "Reception" } });
    await store().writeExtensions([{ extension: "1005", state: agent("1005", [contact("1005", 2)]) }]); // keeps the name

    const loaded = await store().loadByExtensions(["1004", "1005"]);
    expect(loaded.get("1004")).toMatchObject({ name: "Alice", userId: user.id });
    expect(loaded.get("1005")).toMatchObject({ name: "Reception", userId: null });
    // A reload once synced reads only these fields: the same as the full rows'.
    const crm = await store().loadCrmFields();
    expect(crm.get("1004")).toEqual({ name: "Alice", userId: user.id });
    expect(crm.get("1005")).toEqual({ name: "Reception", userId: null });
    expect([...crm.keys()].sort()).toEqual((await store().loadAll()).map((a) => a.extension).sort());
    const contacts = await prisma.psContact.findMany({ where: { endpointId: { in: ["1004", "1005"] } }, orderBy: { id: "asc" } });
    expect(contacts.map((c) => c.userId)).toEqual([user.id, null]);

    await prisma.user.delete({ where: { id: user.id } }); // ON DELETE SET NULL
    expect(await prisma.psContact.findUniqueOrThrow({ where: { id: contact("1004", 1).id } })).toMatchObject({ userId: null });
  });

  it("keeps the last state of an extension written twice in one call, and tolerates a contact id claimed twice", async () => {
    const shared = contact("1006", 1);
    await store().writeExtensions([
      { extension: "1006", state: agent("1006", [shared]) },
      { extension: "1007", state: agent("1007", [{ ...shared, aor: "1007" }]) },
      { extension: "1006", state: agent("1006", [shared, contact("1006", 2)], { status: "ON_CALL", deviceState: "INUSE" }) },
    ]);
    const loaded = await store().loadByExtensions(["1006", "1007"]);
    expect(loaded.get("1006")).toMatchObject({ status: "ON_CALL", deviceState: "INUSE" });
    // The newest write claiming the shared id gets it.
    expect(loaded.get("1006")?.contacts.map((c) => c.id)).toEqual([shared.id, contact("1006", 2).id]);
    expect(loaded.get("1007")?.contacts).toEqual([]);
  });

  it("writes 2,000 extensions with one statement (no transaction round trips), not one per row", async () => {
    const states = Array.from({ length: 2_000 }, (_, i) => {
      const extension = String(20_000 + i);
      return agent(extension, i % 3 === 0 ? [] : [contact(extension, 1), contact(extension, 2)], { status: i % 3 === 0 ? "OFFLINE" : "AVAILABLE" });
    });
    calls.raw = 0;
    calls.transactions = 0;
    const started = performance.now();
    await store().writeExtensions(states.map((state) => ({ extension: state.extension, state })));
    const firstWriteMs = performance.now() - started;
    expect(calls.raw).toBe(1); // endpoints, stale contacts and contacts in one statement
    expect(calls.transactions).toBe(0); // atomic by itself: no BEGIN / COMMIT round trips

    const rewritten = states.map((s) => ({ ...s, status: "BUSY" as const, deviceState: "BUSY" as const, contacts: s.contacts.slice(0, 1) }));
    calls.raw = 0;
    await store().writeExtensions(rewritten.map((state) => ({ extension: state.extension, state })));
    expect(calls.raw).toBe(1);

    const loaded = await store().loadByExtensions(states.map((s) => s.extension));
    expect(loaded.size).toBe(2_000);
    expect(loaded.get("20001")).toEqual(stored(rewritten[1]!));
    expect(await prisma.psContact.count({ where: { endpointId: { startsWith: "2" } } })).toBe(rewritten.filter((s) => s.contacts.length).length);
    expect(firstWriteMs).toBeLessThan(10_000);

    // Every agent, read in keyset pages of 250 (one statement each), in extension order, none twice.
    const before = (await store().loadAll()).filter((a) => !a.extension.startsWith("2")).length;
    calls.raw = 0;
    const all = await store().loadAll();
    expect(calls.raw).toBe(Math.floor((2_000 + before) / 250) + 1);
    expect(all.map((a) => a.extension)).toEqual([...all.map((a) => a.extension)].sort());
    expect(new Set(all.map((a) => a.extension)).size).toBe(all.length);
    expect(all.filter((a) => a.extension.startsWith("2"))).toEqual(states.map((s) => loaded.get(s.extension)));
  });

  it("never replaces a newer state with an older one (two writers, one late), nor deletes a newer row for an older removal", async () => {
    const newer = agent("1500", [contact("1500", 2)], { status: "ON_CALL", deviceState: "INUSE", updatedAt: 1_800_000_002_000 });
    const older = agent("1500", [contact("1500", 1)], { updatedAt: 1_800_000_001_000 });
    await store().writeExtensions([{ extension: "1500", state: newer }]);
    await store().writeExtensions([{ extension: "1500", state: older }]); // the late writer
    expect((await store().loadByExtensions(["1500"])).get("1500")).toEqual(stored(newer));

    await store().writeExtensions([{ extension: "1500", state: null, at: 1_800_000_001_500 }]); // a removal older than the row
    expect((await store().loadByExtensions(["1500"])).get("1500")).toEqual(stored(newer));

    const newest = agent("1500", [contact("1500", 3)], { updatedAt: 1_800_000_003_000 });
    await store().writeExtensions([{ extension: "1500", state: newest }]);
    expect((await store().loadByExtensions(["1500"])).get("1500")).toEqual(stored(newest));
    await store().writeExtensions([{ extension: "1500", state: null, at: 1_800_000_004_000 }]);
    expect((await store().loadByExtensions(["1500"])).has("1500")).toBe(false);
  });

  it("ping succeeds while the database is up", async () => {
    await expect(store().ping()).resolves.toBeUndefined();
  });
});

/** Counts $executeRaw/$queryRaw and $transaction calls made through the client, to prove writes are set-based. */
function countingRawCalls(prisma: PrismaClient, calls: { raw: number; transactions: number }): PrismaClient {
  return new Proxy(prisma, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "$executeRaw" && property !== "$queryRaw" && property !== "$transaction") return value;
      return (...args: unknown[]) => {
        if (property === "$transaction") calls.transactions += 1;
        else calls.raw += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
