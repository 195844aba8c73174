// Presence, DND, queues, wrap-up and multi-extension agents end to end: a fake AMI peer sending the
// captured events of a real Asterisk 22, the whole service, GraphQL over HTTP and graphql-ws.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { liveEventBytes } from "../helpers/ami-frames.ts";
import { startService, type TestService } from "../helpers/service.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

/** Polls an async read until it returns something truthy. */
async function until<T>(read: () => Promise<T>, options: { timeoutMs: number; message: string }): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.message}`);
    await sleep(10);
  }
}

const AGENT = "id extension name status available reasons dnd presence { state subtype message } queues { queue paused pausedReason wrapUpUntil inWrapUp callsTaken } extensions { extension status }";

interface Delta {
  __typename: string;
  seq: number;
  extension?: string;
  reasons?: string[];
  agent?: { id: string; available: boolean; reasons: string[] };
}

const memberHeaders = (ext: string, queue: string, overrides: Record<string, string | number> = {}) => ({
  Queue: queue,
  MemberName: `Lab ${ext}`,
  Interface: `PJSIP/${ext}`,
  StateInterface: `PJSIP/${ext}`,
  Membership: "dynamic",
  Penalty: 0,
  CallsTaken: 0,
  LastCall: 0,
  LastPause: 0,
  LoginTime: 1796000400,
  InCall: 0,
  Status: 1,
  Paused: 0,
  PausedReason: "",
  Ringinuse: 0,
  Wrapuptime: 0,
  ...overrides,
});

describe("agent layers over the API", () => {
  let peer: AmiPeer;
  let svc: TestService;
  let ws: Client;
  const deltas: Delta[] = [];

  beforeAll(async () => {
    peer = await AmiPeer.start({
      secret: "crmsecret",
      state: {
        endpoints: labEndpoints(1000, 1003),
        // 1000's contact is the captures' phone, so their ContactStatus Removed removes it.
        contacts: ["1000", "1001", "1002", "1003"].map((ext) => ({ aor: ext, uri: `sip:${ext}@127.0.0.1:${15000 + Number(ext) - 1000}` })),
      },
    });
    svc = await startService({ ami: { port: peer.port }, database: "postgres", env: { QUEUE_WRAPUP_SECONDS: "support=2,sales=2", QUEUE_SHARED_LASTCALL: "true" } });
    await waitFor(() => svc.app.services.amiStatus().synced, { timeoutMs: 10_000, message: "first resync" });
    ws = createClient({ url: svc.url.replace("http", "ws") + "/graphql", webSocketImpl: WebSocket, retryAttempts: 0 });
    ws.subscribe<{ agentStatus: Delta }>(
      { query: `subscription { agentStatus { __typename ... on AgentsSnapshot { seq } ... on AgentStatusChanged { seq extension reasons agent { id available reasons } } } }` },
      { next: (r) => r.data && deltas.push(r.data.agentStatus), error: () => {}, complete: () => {} },
    );
    await waitFor(() => deltas.length > 0, { timeoutMs: 5_000, message: "snapshot" });
  });

  afterAll(async () => {
    await ws?.dispose();
    await svc?.stop();
    await peer?.close();
  });

  const agent = async (ext: string) => (await svc.graphql(`{ agent(extension: "${ext}") { ${AGENT} } }`)).data.agent;

  it("DND and presence from the captured dnd-presence events (FreePBX hints), every change a delta", async () => {
    const from = deltas.length;
    // The capture's first three events: DND on (Custom:DND1000 BUSY + hint Busy), presence dnd.
    const bytes = liveEventBytes("dnd-presence").toString("latin1").split("\r\n\r\n");
    await peer.replay(bytes.slice(0, 5).join("\r\n\r\n") + "\r\n\r\n");
    await until(async () => (await agent("1000")).dnd === true, { timeoutMs: 2_000, message: "DND on" });
    expect(await agent("1000")).toMatchObject({ status: "AVAILABLE", available: false, reasons: ["DND"], presence: { state: "DND" } });
    const dndDelta = deltas.slice(from).find((d) => d.extension === "1000" && d.reasons?.includes("DND"));
    expect(dndDelta?.agent).toMatchObject({ id: "ext:1000", available: false });

    // The rest: away/lunch, available, DND off, then 1000 unregisters.
    await peer.replay(bytes.slice(5).join("\r\n\r\n"));
    await until(async () => (await agent("1000")).status === "OFFLINE", { timeoutMs: 2_000, message: "1000 unregistered" });
    expect(await agent("1000")).toMatchObject({ dnd: false, reasons: ["OFFLINE"], presence: { state: "AVAILABLE" } });
    const seqs = deltas.slice(from).map((d) => d.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i)); // gap-free
  });

  it("queue pause with a reason, per-queue answers, unpause", async () => {
    await peer.sendEvent("QueueMemberAdded", memberHeaders("1001", "support"));
    await peer.sendEvent("QueueMemberAdded", memberHeaders("1001", "sales"));
    await peer.sendEvent("DeviceStateChange", { Device: "Queue:support_pause_PJSIP/1001", State: "INUSE" });
    await peer.sendEvent("QueueMemberPause", memberHeaders("1001", "support", { Paused: 1, PausedReason: "Lunch", LastPause: 1796000402 }));
    await until(async () => (await agent("1001")).queues.some((q: { paused: boolean }) => q.paused), { timeoutMs: 2_000, message: "paused" });
    expect((await agent("1001")).queues).toEqual([
      { queue: "sales", paused: false, pausedReason: null, wrapUpUntil: null, inWrapUp: false, callsTaken: 0 },
      { queue: "support", paused: true, pausedReason: "Lunch", wrapUpUntil: null, inWrapUp: false, callsTaken: 0 },
    ]);
    const { data } = await svc.graphql(`{
      all: availableAgents { extension }
      sales: availableAgents(queue: "sales") { extension }
      support: availableAgents(queue: "support") { extension }
      toSupport: canTransfer(to: "1001", queue: "support") { ok reason reasons message }
      toSales: canTransfer(to: "1001", queue: "sales") { ok }
      toOther: canTransfer(to: "1002", queue: "support") { ok reason reasons }
      queues { queue members available paused inWrapUp }
    }`);
    expect(data.all.map((a: { extension: string }) => a.extension)).toContain("1001"); // paused in one of two queues only
    expect(data.sales).toEqual([{ extension: "1001" }]);
    expect(data.support).toEqual([]);
    expect(data.toSupport).toEqual({ ok: false, reason: "NOT_AVAILABLE", reasons: ["PAUSED"], message: "extension 1001 is not available for queue support: PAUSED" });
    expect(data.toSales).toEqual({ ok: true });
    expect(data.toOther).toEqual({ ok: false, reason: "NOT_IN_QUEUE", reasons: ["NOT_IN_QUEUE"] });
    expect(data.queues).toEqual([
      { queue: "sales", members: 1, available: 1, paused: 0, inWrapUp: 0 },
      { queue: "support", members: 1, available: 0, paused: 1, inWrapUp: 0 },
    ]);
    // The pause device came with its member event: nothing says the read class is missing (this peer
    // does not know QueueStatus, and that is what queue data lacks).
    const { amiStatus } = (await svc.graphql(`{ amiStatus { queueDataAvailable queueDataDetail } }`)).data;
    expect(amiStatus.queueDataAvailable).toBe(false);
    expect(amiStatus.queueDataDetail).toMatch(/^QueueStatus failed: .*Invalid\/unknown command/);

    await peer.sendEvent("QueueMemberPause", memberHeaders("1001", "sales", { Paused: 1, PausedReason: "Lunch" }));
    await until(async () => (await agent("1001")).reasons.includes("PAUSED"), { timeoutMs: 2_000, message: "paused everywhere" });
    await peer.sendEvent("QueueMemberPause", memberHeaders("1001", "sales", { Paused: 0, PausedReason: "" }));
    await peer.sendEvent("QueueMemberPause", memberHeaders("1001", "support", { Paused: 0, PausedReason: "" }));
    await until(async () => (await agent("1001")).available === true, { timeoutMs: 2_000, message: "unpaused" });
  });

  it("wrap-up after a queue call ends by itself: a delta at LastCall + wrapuptime", async () => {
    const lastCall = Math.floor(Date.now() / 1000);
    const from = deltas.length;
    await peer.sendEvent("QueueMemberStatus", memberHeaders("1001", "support", { CallsTaken: 1, LastCall: lastCall }));
    await until(async () => (await agent("1001")).reasons.includes("WRAP_UP"), { timeoutMs: 2_000, message: "wrap-up" });
    const during = await agent("1001");
    // shared_lastcall: the wrap-up holds in sales too.
    expect(during.queues.map((q: { wrapUpUntil: string }) => q.wrapUpUntil)).toEqual([new Date((lastCall + 2) * 1000).toISOString(), new Date((lastCall + 2) * 1000).toISOString()]);
    const back = await until(async () => deltas.slice(from).find((d) => d.extension === "1001" && d.agent?.available), { timeoutMs: 4_000, message: "back after wrap-up" });
    const receivedAt = Date.now();
    expect(receivedAt).toBeGreaterThanOrEqual((lastCall + 2) * 1000);
    expect(receivedAt - (lastCall + 2) * 1000).toBeLessThan(1_000);
    expect(back.reasons).toEqual([]);
    expect((await agent("1001")).queues[1]).toMatchObject({ queue: "support", callsTaken: 1, inWrapUp: false });
  });

  it("a user with two extensions is one agent: RINGING when the softphone rings, per-extension detail kept", async () => {
    const client = new pg.Client({ connectionString: svc.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>(`INSERT INTO users (name, extension) VALUES ('Alice Martin', '1002') RETURNING id`);
      await client.query(`INSERT INTO user_extensions (extension, user_id) VALUES ('1003', $1)`, [rows[0]!.id]);
      const { data: refreshed } = await svc.graphql(`mutation { refreshStatuses { agents } }`);
      expect(refreshed.refreshStatuses.agents).toBe(3); // 1000, 1001, Alice
      await until(async () => (await agent("1003")).id === `user:${rows[0]!.id}`, { timeoutMs: 3_000, message: "users reloaded" });
      await peer.sendEvent("DeviceStateChange", { Device: "PJSIP/1003", State: "RINGING" });
      await until(async () => (await agent("1002")).status === "RINGING", { timeoutMs: 2_000, message: "Alice ringing" });
      expect(await agent("1002")).toMatchObject({
        extension: "1002",
        name: "Alice Martin",
        status: "RINGING",
        available: false,
        extensions: [
          { extension: "1002", status: "AVAILABLE" },
          { extension: "1003", status: "RINGING" },
        ],
      });
      const { data } = await svc.graphql(`{ agents { extension } extensions { extension status } available: availableAgents(exclude: ["1003"]) { extension } }`);
      expect(data.agents.map((a: { extension: string }) => a.extension)).toEqual(["1000", "1001", "1002"]);
      expect(data.extensions.map((e: { extension: string }) => e.extension)).toEqual(["1000", "1001", "1002", "1003"]);
      // (The resync re-read 1000's contact from this peer's list: it is back.) Excluding the softphone excludes Alice.
      expect(data.available.map((a: { extension: string }) => a.extension)).toEqual(["1000", "1001"]);
    } finally {
      await client.end();
    }
  });

  it("mutations send the AMI actions; a refusal is a clear error", async () => {
    // This peer knows neither Setvar nor QueuePause: Asterisk's "Invalid/unknown command".
    const dnd = await svc.graphql(`mutation { setDnd(extension: "1001", on: true) { accepted } }`);
    expect(dnd.errors?.[0]).toMatchObject({ extensions: { code: "AMI_REFUSED" } });
    expect(dnd.errors?.[0]?.message).toMatch(/^Asterisk refused: /);
    expect(peer.received("Setvar").at(-1)?.fields).toMatchObject({ variable: "DEVICE_STATE(Custom:DND1001)", value: "BUSY" });

    await svc.graphql(`mutation { pauseAgent(extension: "1001", queue: "support", reason: "Lunch") { accepted } }`);
    expect(peer.received("QueuePause").at(-1)?.fields).toMatchObject({ interface: "PJSIP/1001", queue: "support", paused: "true", reason: "Lunch" });
    await svc.graphql(`mutation { setPresence(extension: "1001", state: AWAY, subtype: "lunch", message: "Back at 2 pm") { accepted } }`);
    expect(peer.received("Setvar").at(-1)?.fields).toMatchObject({ variable: "PRESENCE_STATE(CustomPresence:1001)", value: "away,lunch,Back at 2 pm" });

    const bad = await svc.graphql(`mutation { setPresence(extension: "1001", state: AWAY, message: "a, b") { accepted } }`);
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    // Nothing changed on our side: the state moves only when Asterisk reports it.
    expect((await agent("1001")).dnd).toBe(false);
  });
});
