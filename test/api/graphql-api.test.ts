// The whole service over real sockets: a fake AMI peer speaking captured Asterisk bytes, the real
// bridge, tracker, write buffer and store (PostgreSQL and PGlite), Apollo over HTTP and graphql-ws.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { AmiPeer, labEndpoints, ODD_CHUNKS } from "../helpers/ami-peer.ts";
import { liveEventBytes } from "../helpers/ami-frames.ts";
import { startService, type DatabaseKind, type TestService } from "../helpers/service.ts";
import { waitFor } from "../helpers/wait-for.ts";

const AGENT_FIELDS = "extension name status online available stale deviceState lastSeen updatedAt contacts { id uri status roundtripUsec userAgent expiresAt }";

interface StreamEvent {
  __typename: "AgentsSnapshot" | "AgentStatusChanged";
  seq: number;
  extension?: string;
  status?: string;
  online?: boolean;
  available?: boolean;
  stale?: boolean;
  agents?: Array<{ extension: string; status: string; online: boolean; available: boolean }>;
}

function subscribe(client: Client, extensions?: string[]) {
  const events: StreamEvent[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe<{ agentStatus: StreamEvent }>(
    {
      query: `subscription($ext: [ID!]) { agentStatus(extensions: $ext) {
        __typename
        ... on AgentsSnapshot { seq agents { extension status online available } }
        ... on AgentStatusChanged { seq extension status online available stale }
      } }`,
      variables: { ext: extensions ?? null },
    },
    { next: (r) => r.data && events.push(r.data.agentStatus), error: (e) => errors.push(e), complete: () => {} },
  );
  /** Statuses per extension after applying the snapshot and every delta, in order. */
  const state = () => {
    const map = new Map<string, string>();
    for (const event of events) {
      if (event.__typename === "AgentsSnapshot") for (const a of event.agents!) map.set(a.extension, a.status);
      else map.set(event.extension!, event.status!);
    }
    return map;
  };
  return { events, errors, dispose, state, statuses: (ext: string) => events.filter((e) => e.extension === ext).map((e) => e.status) };
}

describe.each<DatabaseKind>(["postgres", "pglite"])("GraphQL API on %s", (database) => {
  let peer: AmiPeer;
  let svc: TestService;
  let ws: Client;

  beforeAll(async () => {
    peer = await AmiPeer.start({
      secret: "crmsecret",
      chunkSizes: ODD_CHUNKS,
      state: {
        endpoints: labEndpoints(1000, 1003),
        contacts: [
          { aor: "1002", uri: "sip:1002@127.0.0.1:15002", userAgent: "desk-phone" },
          { aor: "1003", uri: "sip:1003@127.0.0.1:15003", status: "Unreachable" },
        ],
      },
    });
    svc = await startService({ ami: { port: peer.port }, database });
    ws = createClient({ url: svc.url.replace("http", "ws") + "/graphql", webSocketImpl: WebSocket, retryAttempts: 0 });
    await waitFor(() => svc.app.services.amiStatus().synced, { timeoutMs: 10_000, message: "first resync" });
  });

  afterAll(async () => {
    await ws?.dispose();
    await svc?.stop();
    await peer?.close();
  });

  it("serves what Asterisk listed at resync", async () => {
    const { data } = await svc.graphql(`{ agents { ${AGENT_FIELDS} } }`);
    expect(data.agents.map((a: { extension: string; status: string }) => [a.extension, a.status])).toEqual([
      ["1000", "OFFLINE"],
      ["1001", "OFFLINE"],
      ["1002", "AVAILABLE"],
      ["1003", "UNREACHABLE"],
    ]);
    const agent1002 = data.agents[2];
    expect(agent1002).toMatchObject({ online: true, available: true, stale: false, deviceState: "NOT_INUSE" });
    expect(agent1002.contacts).toEqual([
      expect.objectContaining({ id: "1002;@" + md5("sip:1002@127.0.0.1:15002"), uri: "sip:1002@127.0.0.1:15002", status: "Reachable", userAgent: "desk-phone" }),
    ]);
  });

  it("filters agents by status, online and search; availableAgents excludes the caller", async () => {
    const { data } = await svc.graphql(`{
      unreachable: agents(status: [UNREACHABLE]) { extension }
      offline: agents(online: false) { extension }
      search: agents(search: "100") { extension }
      available: availableAgents { extension }
      availableButMe: availableAgents(exclude: ["1002"]) { extension }
    }`);
    expect(data.unreachable).toEqual([{ extension: "1003" }]);
    expect(data.offline.map((a: { extension: string }) => a.extension)).toEqual(["1000", "1001", "1003"]);
    expect(data.search).toHaveLength(4);
    expect(data.available).toEqual([{ extension: "1002" }]);
    expect(data.availableButMe).toEqual([]);
  });

  it("agent, extension (getExtensionStatus shape), extensions, canTransfer", async () => {
    const { data } = await svc.graphql(`{
      agent(extension: "1002") { extension status }
      missing: agent(extension: "9999") { extension }
      extension(id: "1002") { extension isRegistered status lastSeen }
      extensions { extension isRegistered status }
      ok: canTransfer(to: "1002", from: "1000") { ok reason message agent { extension } }
      busy: canTransfer(to: "1003") { ok reason message }
      self: canTransfer(to: "1002", from: "1002") { ok reason }
      unknown: canTransfer(to: "9999") { ok reason }
    }`);
    expect(data.agent).toEqual({ extension: "1002", status: "AVAILABLE" });
    expect(data.missing).toBeNull();
    expect(data.extension).toMatchObject({ extension: "1002", isRegistered: true, status: "AVAILABLE" });
    expect(new Date(data.extension.lastSeen).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(data.extensions.find((e: { extension: string }) => e.extension === "1000")).toEqual({ extension: "1000", isRegistered: false, status: "OFFLINE" });
    expect(data.ok).toEqual({ ok: true, reason: null, message: null, agent: { extension: "1002" } });
    expect(data.busy).toMatchObject({ ok: false, reason: "NOT_AVAILABLE" });
    expect(data.self).toEqual({ ok: false, reason: "SAME_EXTENSION" });
    expect(data.unknown).toEqual({ ok: false, reason: "UNKNOWN_EXTENSION" });
  });

  it("agentStatus: snapshot first, then one delta per change, in order, no gaps, matching a fresh query", async () => {
    const all = subscribe(ws);
    const only1001 = subscribe(ws, ["1001"]);
    await waitFor(() => all.events.length > 0 && only1001.events.length > 0, { message: "snapshots" });
    expect(all.events[0]!.__typename).toBe("AgentsSnapshot");
    expect(only1001.events[0]!.agents!.map((a) => a.extension)).toEqual(["1001"]);

    // 1000 and 1001 register (captured bytes, split at odd places), then 1000 calls 1001.
    await peer.replay(liveEventBytes("register-reachable"));
    await waitFor(() => all.state().get("1001") === "AVAILABLE", { message: "1001 AVAILABLE" });
    await peer.replay(liveEventBytes("call-inuse"));
    await waitFor(() => all.statuses("1001").at(-1) === "AVAILABLE" && all.statuses("1001").includes("ON_CALL"), { message: "call over" });

    expect(all.statuses("1001")).toEqual(["AVAILABLE", "RINGING", "ON_CALL", "AVAILABLE"]);
    expect(all.statuses("1000")).toEqual(["AVAILABLE", "ON_CALL", "AVAILABLE"]);
    expect(only1001.events.slice(1).map((e) => e.status)).toEqual(["AVAILABLE", "RINGING", "ON_CALL", "AVAILABLE"]);
    expect(only1001.events.slice(1).every((e) => e.extension === "1001")).toBe(true);

    const seqs = all.events.map((e) => e.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    const { data } = await svc.graphql("{ agents { extension status } }");
    expect(Object.fromEntries(all.state())).toEqual(Object.fromEntries(data.agents.map((a: { extension: string; status: string }) => [a.extension, a.status])));
    all.dispose();
    only1001.dispose();
  });

  it("compatibility event kinds reach subscribers, filtered by kind and extension", async () => {
    const received: Array<{ type: string; extension: string; payload: string }> = [];
    const dispose = ws.subscribe<{ extensionEvents: { type: string; extension: string; payload: string } }>(
      { query: `subscription { extensionEvents(kinds: [CONTACT_STATUS, AVAILABILITY_CHANGED], extensions: ["1000"]) { type extension payload ts } }` },
      { next: (r) => r.data && received.push(r.data.extensionEvents), error: () => {}, complete: () => {} },
    );
    await new Promise((r) => setTimeout(r, 100)); // the subscription is registered
    await peer.replay(liveEventBytes("unregister"));
    await waitFor(() => received.some((e) => e.type === "extension:availability_changed" && JSON.parse(e.payload).status === "OFFLINE"), { message: "1000 OFFLINE" });
    expect(new Set(received.map((e) => e.type))).toEqual(new Set(["extension:contactStatus", "extension:availability_changed"]));
    expect(received.every((e) => e.extension === "1000")).toBe(true);
    expect(received.map((e) => JSON.parse(e.payload).status)).toContain("Removed");
    dispose();
    // Bring 1000 back for the tests that follow.
    await peer.replay(liveEventBytes("register-reachable"));
    await waitFor(() => svc.app.services.amiStatus().pendingWrites === 0 && received.length > 0);
  });

  it("persists coalesced state: the database matches the served state within the flush interval", async () => {
    await waitFor(() => svc.app.services.amiStatus().pendingWrites === 0, { message: "writes flushed" });
    const stored = await svc.app.services.reader.loadMany(["1000", "1001"]);
    expect(stored.map((a) => a?.status)).toEqual(["AVAILABLE", "AVAILABLE"]);
  });

  it("refreshStatuses resyncs and returns what changed; contacts Asterisk no longer has are removed", async () => {
    peer.state.contacts = [{ aor: "1002", uri: "sip:1002@127.0.0.1:15002", userAgent: "desk-phone" }];
    const { data } = await svc.graphql("mutation { refreshStatuses { agents ts changed { extension status online removed } } }");
    expect(data.refreshStatuses.agents).toBe(4);
    expect(data.refreshStatuses.changed).toEqual(
      expect.arrayContaining([
        { extension: "1000", status: "OFFLINE", online: false, removed: false },
        { extension: "1001", status: "OFFLINE", online: false, removed: false },
        { extension: "1003", status: "OFFLINE", online: false, removed: false },
      ]),
    );
    const agents = await svc.graphql("{ agents { extension status } }");
    expect(agents.data.agents.filter((a: { status: string }) => a.status !== "OFFLINE")).toEqual([{ extension: "1002", status: "AVAILABLE" }]);
  });

  it("REST: status, extensions, refresh, health and readiness", async () => {
    const status = await (await fetch(`${svc.url}/api/ami/status`)).json();
    expect(status).toMatchObject({ connected: true, synced: true, reconnects: 0 });
    const extensions = await (await fetch(`${svc.url}/api/ami/extensions`)).json();
    expect(extensions.find((e: { extension: string }) => e.extension === "1002")).toMatchObject({ isRegistered: true, status: "AVAILABLE" });
    // What a cross-site HTML form can send is refused (CSRF); a JSON request is not.
    const formPost = await fetch(`${svc.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1" });
    expect(formPost.status).toBe(400);
    const refresh = await fetch(`${svc.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "application/json" } });
    expect(refresh.status).toBe(200);
    const refreshed = await refresh.json();
    expect(refreshed).toMatchObject({ agents: 4, changed: [] });
    expect(refreshed.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/); // epoch ms as ISO, as in GraphQL
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { ok: true }, ami: { ok: true } } });
    expect((await fetch(`${svc.url}/nope`)).status).toBe(404);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toContain("# TYPE ami_connected gauge");
    expect(metrics).toMatch(/^ami_connected 1$/m);
    expect(metrics).toMatch(/^agents\{status="AVAILABLE"\} 1$/m);
    expect(metrics).toMatch(/^ami_resyncs_total [1-9]/m);
  });

  it("hostile or broken GraphQL gets a clear error, and the service keeps serving", async () => {
    const tooManyTokens = `{ ${Array.from({ length: 1500 }, (_, i) => `a${i}: amiStatus { connected }`).join(" ")} }`;
    const tokens = await svc.graphql(tooManyTokens);
    expect(tokens.status).toBe(400);
    expect(tokens.errors?.[0]?.message).toMatch(/contains more \w+ 2000 tokens/i);
    const unknown = await svc.graphql("{ agents { password } }");
    expect(unknown.status).toBe(400);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const badJson = await fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{ nope" });
    expect(badJson.status).toBe(400);
    const huge = await fetch(`${svc.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "x".repeat(2_000_000) }) });
    expect(huge.status).toBe(413);
    const csrf = await fetch(`${svc.url}/graphql?query=${encodeURIComponent("{ amiStatus { connected } }")}`);
    expect(csrf.status).toBe(400); // Apollo's CSRF prevention: a simple GET needs a preflight header
    const ok = await fetch(`${svc.url}/graphql?query=${encodeURIComponent("{ amiStatus { connected } }")}`, { headers: { "apollo-require-preflight": "1" } });
    expect(await ok.json()).toEqual({ data: { amiStatus: { connected: true } } });
  });

  it("AMI lost: agents turn stale and unavailable, readiness fails, transfers are refused; all recovers on reconnect", async () => {
    const watcher = subscribe(ws, ["1002"]);
    await waitFor(() => watcher.events.length > 0);
    peer.refuseConnections = true;
    peer.dropConnections();
    await waitFor(() => !svc.app.services.amiStatus().connected, { message: "disconnect seen" });
    const down = await svc.graphql(`{ agent(extension: "1002") { status stale available } canTransfer(to: "1002") { ok reason } amiStatus { connected synced } }`);
    expect(down.data).toEqual({
      agent: { status: "AVAILABLE", stale: true, available: false },
      canTransfer: { ok: false, reason: "STALE" },
      amiStatus: { connected: false, synced: false },
    });
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(503);
    await waitFor(() => watcher.events.some((e) => e.stale === true), { message: "stale delta" });

    peer.refuseConnections = false;
    await waitFor(() => svc.app.services.amiStatus().synced, { timeoutMs: 10_000, message: "resynced" });
    const up = await svc.graphql(`{ agent(extension: "1002") { stale available } amiStatus { reconnects } }`);
    expect(up.data.agent).toEqual({ stale: false, available: true });
    expect(up.data.amiStatus.reconnects).toBeGreaterThan(0);
    await waitFor(() => watcher.events.at(-1)?.available === true, { message: "available again delta" });
    watcher.dispose();
  });

  it("never writes the AMI secret to the log", () => {
    expect(svc.logLines.length).toBeGreaterThan(10);
    expect(svc.logText()).not.toContain("crmsecret");
  });
});

describe("service restart (PGlite directory)", () => {
  it("serves the persisted state at once as stale, then reconciles with Asterisk", async () => {
    const peer = await AmiPeer.start({
      state: { endpoints: labEndpoints(1000, 1001), contacts: [{ aor: "1000", uri: "sip:1000@127.0.0.1:15000" }, { aor: "1001", uri: "sip:1001@127.0.0.1:15001" }] },
    });
    const first = await startService({ ami: { port: peer.port }, database: "pglite" });
    await waitFor(() => first.app.services.amiStatus().synced, { timeoutMs: 10_000 });
    await first.stop({ keepDatabase: true });

    // While the service is down, 1001 unregisters and Asterisk becomes unreachable for a moment.
    peer.state.contacts = [{ aor: "1000", uri: "sip:1000@127.0.0.1:15000" }];
    peer.refuseConnections = true;
    const second = await startService({ ami: { port: peer.port }, database: "pglite", reuse: { dataDir: first.dataDir! } });
    try {
      const before = await second.graphql("{ agents { extension status stale available } }");
      expect(before.data.agents).toEqual([
        { extension: "1000", status: "AVAILABLE", stale: true, available: false },
        { extension: "1001", status: "AVAILABLE", stale: true, available: false },
      ]);
      peer.refuseConnections = false;
      await waitFor(() => second.app.services.amiStatus().synced, { timeoutMs: 10_000 });
      const after = await second.graphql("{ agents { extension status stale available } }");
      expect(after.data.agents).toEqual([
        { extension: "1000", status: "AVAILABLE", stale: false, available: true },
        { extension: "1001", status: "OFFLINE", stale: false, available: false },
      ]);
    } finally {
      await second.stop();
      await peer.close();
    }
  }, 90_000); // PGlite directories: initdb in WebAssembly takes 10-20 s on a busy 2-core machine
});

describe("wrong AMI secret", () => {
  it("logs a clear error without the secret, reports not ready, keeps retrying, recovers once the secret matches", async () => {
    const peer = await AmiPeer.start({ secret: "the-right-one", loginFailureDelayMs: 50, state: { endpoints: labEndpoints(1000, 1000) } });
    const svc = await startService({ ami: { port: peer.port, secret: "wrong-secret-123" }, database: "pglite" });
    try {
      await waitFor(() => svc.logLines.filter((l) => /authentication failed/i.test(l)).length >= 2, { timeoutMs: 10_000, message: "two failed logins" });
      const ready = await fetch(`${svc.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toMatch(/authentication failed/i);
      expect(svc.logText()).not.toContain("wrong-secret-123");
      expect(svc.logText()).not.toContain("the-right-one");
      const line = JSON.parse(svc.logLines.find((l) => /authentication failed/i.test(l))!);
      expect(line).toMatchObject({ level: "error", host: "127.0.0.1", username: "crm" });
      expect(svc.app.services.amiStatus()).toMatchObject({ connected: false, synced: false });
      // A refresh cannot run without a session: a clear 503, not an internal error.
      const refresh = await fetch(`${svc.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "application/json" } });
      expect(refresh.status).toBe(503);
      expect((await refresh.json()).error).toMatch(/AMI|Asterisk|connect/i);

      peer.secret = "wrong-secret-123"; // the operator fixes manager.conf
      await waitFor(() => svc.app.services.amiStatus().synced, { timeoutMs: 10_000, message: "recovered" });
      expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
    } finally {
      await svc.stop();
      await peer.close();
    }
  }, 90_000); // PGlite directories: initdb in WebAssembly takes 10-20 s on a busy 2-core machine
});

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}
