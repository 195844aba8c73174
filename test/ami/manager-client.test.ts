// The AMI client against a real TCP server speaking the captured bytes (test/helpers/ami-peer.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AmiConnectionLostError, AmiInvalidActionError, AmiNotConnectedError, AmiTimeoutError } from "../../src/ami/ami-errors.ts";
import type { AmiEvent } from "../../src/ami/ami-messages.ts";
import { AmiClient, type AmiClientOptions, type AmiDisconnect } from "../../src/ami/manager-client.ts";
import { captureFrames, isLiveEvent, joinFrames, listCaptures, parseFrame } from "../helpers/ami-frames.ts";
import { AmiPeer, labEndpoints, ODD_CHUNKS } from "../helpers/ami-peer.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

const SECRET = "s3cret-for-tests";

interface Harness {
  client: AmiClient;
  log: MemoryLog;
  events: AmiEvent[];
  readies: number[];
  downs: Array<AmiDisconnect & { at: number }>;
}

let peer: AmiPeer;
const clients: AmiClient[] = [];
const consoleSpies: Array<ReturnType<typeof vi.spyOn>> = [];

beforeEach(async () => {
  peer = await AmiPeer.start({
    secret: SECRET,
    loginFailureDelayMs: 20,
    state: { endpoints: labEndpoints(1000, 1002), contacts: [{ aor: "1000", uri: "sip:1000@127.0.0.1:15000" }] },
  });
  for (const method of ["log", "info", "warn", "error", "debug"] as const) consoleSpies.push(vi.spyOn(console, method));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await peer.close();
  // asterisk-manager console.logs in places: none of them may be reached.
  for (const spy of consoleSpies.splice(0)) {
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  }
});

function startClient(overrides: Partial<AmiClientOptions> = {}): Harness {
  const log = new MemoryLog();
  const harness: Harness = { client: undefined as unknown as AmiClient, log, events: [], readies: [], downs: [] };
  harness.client = new AmiClient(
    {
      host: peer.host,
      port: peer.port,
      username: "crm",
      secret: SECRET,
      actionTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      heartbeat: { intervalMs: 5_000, timeoutMs: 1_000 },
      backoff: { initialMs: 40, maxMs: 200 },
      ...overrides,
    },
    {
      onReady: () => harness.readies.push(Date.now()),
      onEvent: (event) => harness.events.push(event),
      onDisconnected: (info) => harness.downs.push({ ...info, at: Date.now() }),
    },
    log,
  );
  clients.push(harness.client);
  harness.client.start();
  return harness;
}

async function ready(harness: Harness, count = 1): Promise<void> {
  await waitFor(() => harness.readies.length >= count, { message: `ready #${count}` });
}

describe("AmiClient session", () => {
  it("logs in, turns events on with an Events action, and reports ready", async () => {
    const h = startClient();
    await ready(h);
    const [login] = peer.received("login");
    expect(login?.fields).toMatchObject({ username: "crm", secret: SECRET });
    expect(peer.received("Events").map((a) => a.fields.eventmask)).toEqual(["on"]);
    expect(h.client.stats()).toMatchObject({ state: "ready", connected: true, loggedIn: true, reconnects: 0, lastError: null });
    // FullyBooted follows the login: delivered as a live event.
    await waitFor(() => h.events.some((e) => e.name === "FullyBooted"));
  });

  it("answers actions with their response", async () => {
    const h = startClient();
    await ready(h);
    const pong = await h.client.action({ Action: "Ping" });
    expect(pong).toMatchObject({ response: "Success" });
    expect(pong.fields.ping).toBe("Pong");
    await expect(h.client.action({ Action: "NoSuchAction" })).rejects.toThrow("Invalid/unknown command");
  });

  it("collects list items until Complete, at odd chunk boundaries, and never delivers them as live events", async () => {
    peer.chunkSizes = ODD_CHUNKS;
    const h = startClient();
    await ready(h);
    const [contacts, devices] = await Promise.all([
      h.client.listAction({ Action: "PJSIPShowContacts" }),
      h.client.listAction({ Action: "DeviceStateList" }),
    ]);
    expect(contacts.items.map((i) => [i.name, i.fields.uri])).toEqual([["ContactList", "sip:1000@127.0.0.1:15000"]]);
    expect(contacts.reportedCount).toBe(1);
    expect(devices.items.map((i) => [i.fields.device, i.fields.state])).toEqual([
      ["PJSIP/1000", "NOT_INUSE"],
      ["PJSIP/1001", "UNAVAILABLE"],
      ["PJSIP/1002", "UNAVAILABLE"],
    ]);
    expect(h.events.map((e) => e.name)).toEqual(["FullyBooted"]);
  });

  it("resolves an empty list answered with `No Contacts found` as no items", async () => {
    peer.state.contacts = [];
    const h = startClient();
    await ready(h);
    const result = await h.client.listAction({ Action: "PJSIPShowContacts" });
    expect(result).toMatchObject({ items: [], reportedCount: null, response: { response: "Error", message: "No Contacts found" } });
  });

  it("rejects a list that is not complete in time; the session stays up and a late answer is dropped", async () => {
    const h = startClient();
    await ready(h);
    peer.muteActions("PJSIPShowContacts");
    const started = Date.now();
    await expect(h.client.listAction({ Action: "PJSIPShowContacts" }, { timeoutMs: 100 })).rejects.toBeInstanceOf(AmiTimeoutError);
    expect(Date.now() - started).toBeLessThan(500);
    expect(h.client.stats().pendingActions).toBe(0);
    // A late list answer with a now-unknown ActionID must not leak out as live events.
    const [late] = peer.received("PJSIPShowContacts");
    await peer.replay(
      `Event: ContactList\r\nActionID: ${late?.fields.actionid}\r\nObjectName: 1000;@x\r\nUri: sip:1000@h\r\nStatus: Reachable\r\n\r\n`,
    );
    await expect(h.client.action({ Action: "Ping" })).resolves.toMatchObject({ response: "Success" });
    expect(h.client.stats().strayEvents).toBe(1);
    expect(h.events.map((e) => e.name)).toEqual(["FullyBooted"]);
  });

  it("rejects actions at once while not connected", async () => {
    const idle = new AmiClient({ host: peer.host, port: peer.port, username: "crm", secret: SECRET }, { onReady() {}, onEvent() {}, onDisconnected() {} }, new MemoryLog());
    await expect(idle.action({ Action: "Ping" })).rejects.toBeInstanceOf(AmiNotConnectedError);
    await expect(idle.listAction({ Action: "PJSIPShowContacts" })).rejects.toThrow(/not connected to 127\.0\.0\.1:\d+ \(stopped\)/);

    const h = startClient({ backoff: { initialMs: 5_000, maxMs: 5_000 } });
    await ready(h);
    peer.dropConnections();
    await waitFor(() => h.downs.length === 1);
    const started = Date.now();
    await expect(h.client.action({ Action: "Ping" })).rejects.toBeInstanceOf(AmiNotConnectedError);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it("rejects pending actions when the connection is lost (the library never does)", async () => {
    const h = startClient();
    await ready(h);
    peer.muteActions("PJSIPShowEndpoints", "CoreStatus");
    const list = h.client.listAction({ Action: "PJSIPShowEndpoints" }, { timeoutMs: 10_000 });
    const single = h.client.action({ Action: "CoreStatus" }, { timeoutMs: 10_000 });
    await waitFor(() => peer.received("CoreStatus").length === 1);
    peer.dropConnections();
    await expect(list).rejects.toBeInstanceOf(AmiConnectionLostError);
    await expect(single).rejects.toBeInstanceOf(AmiConnectionLostError);
  });

  it("refuses headers that would break the message framing", async () => {
    const h = startClient();
    await ready(h);
    await expect(h.client.action({ Action: "Ping\r\nAction: Originate" })).rejects.toBeInstanceOf(AmiInvalidActionError);
    await expect(h.client.action({ Action: "Ping", ActionID: "mine" })).rejects.toBeInstanceOf(AmiInvalidActionError);
    await expect(h.client.action({ Action: "Ping", "Bad Header": "x" })).rejects.toBeInstanceOf(AmiInvalidActionError);
  });
});

describe("AmiClient reconnects", () => {
  it("after a clean close by the server, first retry within the initial backoff", async () => {
    const h = startClient({ backoff: { initialMs: 100, maxMs: 1_000 } });
    await ready(h);
    await peer.endConnections();
    await ready(h, 2);
    const [down] = h.downs;
    expect(down).toMatchObject({ cause: "connection-lost", wasReady: true });
    expect(down?.retryInMs).toBeLessThanOrEqual(100);
    expect((h.readies[1] ?? 0) - (down?.at ?? 0)).toBeLessThan(400);
    expect(h.client.stats()).toMatchObject({ reconnects: 1, loggedIn: true });
  });

  it("after a dropped connection and while the server refuses connections", async () => {
    const h = startClient();
    await ready(h);
    peer.refuseConnections = true;
    peer.dropConnections();
    await waitFor(() => h.downs.length >= 3, { message: "refused attempts" });
    expect(h.downs.slice(1).every((d) => d.cause === "connect-failed" && !d.wasReady)).toBe(true);
    peer.refuseConnections = false;
    await ready(h, 2);
    expect(h.client.stats().failedAttempts).toBeGreaterThanOrEqual(2);
  });

  it("after a rejected login: one clear error line without the secret, backoff, success once accepted", async () => {
    peer.secret = "the-right-one";
    const h = startClient();
    await waitFor(() => peer.loginAttempts >= 4, { message: "login attempts" });
    expect(h.readies).toEqual([]);
    expect(h.downs.every((d) => d.cause === "login-failed" && d.reason === "login failed: Authentication failed")).toBe(true);
    const errors = h.log.at("error");
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors[0]?.msg).toMatch(new RegExp(`^AMI login failed: Authentication failed \\(user "crm" at 127\\.0\\.0\\.1:${peer.port}\\); retrying in \\d+ ms$`));
    expect(errors[0]?.obj).toMatchObject({ host: "127.0.0.1", port: peer.port, username: "crm", cause: "login-failed" });
    // Backoff: the pause between attempts grows (equal jitter with a doubling ceiling never shrinks below the cap).
    const gaps = peer.loginTimes.slice(1).map((t, i) => t - (peer.loginTimes[i] ?? t));
    expect(gaps.at(-1) ?? 0).toBeGreaterThan((gaps[0] ?? 0) - 5);
    expect(h.log.text()).not.toContain(SECRET);

    peer.secret = SECRET;
    await ready(h);
    expect(h.client.stats()).toMatchObject({ loggedIn: true, lastError: "login failed: Authentication failed" });
  });

  it("detects a frozen peer with the Ping heartbeat and reconnects", async () => {
    const h = startClient({ heartbeat: { intervalMs: 100, timeoutMs: 150 } });
    await ready(h);
    await sleep(250); // a few Pings answered
    expect(peer.received("Ping").length).toBeGreaterThanOrEqual(1);
    const frozenAt = Date.now();
    peer.freeze();
    await waitFor(() => h.downs.length === 1, { message: "heartbeat timeout" });
    const [down] = h.downs;
    expect(down).toMatchObject({ cause: "heartbeat-timeout", reason: "no answer to Ping within 150 ms", wasReady: true });
    expect((down?.at ?? 0) - frozenAt).toBeLessThan(100 + 150 + 200);
    await ready(h, 2);
  });

  it("drops the session on request (Asterisk announced Shutdown) and reconnects", async () => {
    const h = startClient();
    await ready(h);
    h.client.reconnect("asterisk shutdown");
    expect(h.downs).toMatchObject([{ cause: "requested", reason: "asterisk shutdown", wasReady: true }]);
    await ready(h, 2);
    expect(peer.connectionsAccepted).toBe(2);
  });

  it("times out a connection that never logs in", async () => {
    peer.muteActions("login");
    const h = startClient({ connectTimeoutMs: 100 });
    await waitFor(() => h.downs.length >= 1);
    expect(h.downs[0]).toMatchObject({ cause: "connect-failed", reason: "no AMI session within 100 ms" });
  });
});

describe("AmiClient stop", () => {
  it("logs off, closes the socket, and never reconnects", async () => {
    const h = startClient();
    await ready(h);
    await h.client.stop();
    expect(peer.received("Logoff")).toHaveLength(1);
    await waitFor(() => peer.openConnections === 0);
    await sleep(150);
    expect(peer.connectionsAccepted).toBe(1);
    expect(h.downs).toEqual([]);
    expect(h.client.stats()).toMatchObject({ state: "stopped", loggedIn: false, connected: false });
  });

  it("stops while logging in", async () => {
    peer.muteActions("login");
    const h = startClient();
    await waitFor(() => peer.received("login").length === 1);
    await h.client.stop();
    await waitFor(() => peer.openConnections === 0);
    expect(h.downs).toEqual([]);
    expect(h.client.stats().state).toBe("stopped");
  });

  it("stops while waiting to reconnect", async () => {
    const h = startClient({ backoff: { initialMs: 200, maxMs: 200 } });
    await ready(h);
    peer.dropConnections();
    await waitFor(() => h.downs.length === 1);
    await h.client.stop();
    await sleep(300);
    expect(peer.connectionsAccepted).toBe(1);
  });
});

describe("AmiClient parses captures like the frame helper", () => {
  it.each(listCaptures())("%s: every live event arrives intact at odd chunk boundaries", async (capture) => {
    const frames = captureFrames(capture).filter(isLiveEvent);
    const h = startClient();
    await ready(h);
    await waitFor(() => h.events.length === 1); // FullyBooted of the login
    h.events.length = 0;
    // Replay the whole server side after the login: responses and list items carry foreign ActionIDs.
    const all = captureFrames(capture).filter((f) => f.kind === "message" && !/^Response: Success\r\nActionID: login-/.test(f.text));
    await peer.replay(joinFrames(all), { chunkSizes: ODD_CHUNKS });
    await waitFor(() => h.events.length >= frames.length, { message: `${frames.length} events` });
    await sleep(10);
    expect(h.events.map((e) => e.fields)).toEqual(frames.map((f) => parseFrame(f.text)));
    await expect(h.client.action({ Action: "Ping" })).resolves.toMatchObject({ response: "Success" });
  });
});
