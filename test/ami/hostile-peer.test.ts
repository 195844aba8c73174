// What a broken or hostile AMI peer may send, over a real TCP socket: nothing of it may end the process,
// stall the reader, or leave our state silently wrong.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AmiBridge } from "../../src/ami/ami-bridge.ts";
import { StreamGuard } from "../../src/ami/stream-guard.ts";
import type { AmiEvent } from "../../src/ami/ami-messages.ts";
import { AmiClient, type AmiClientOptions, type AmiDisconnect } from "../../src/ami/manager-client.ts";
import type { AmiListener } from "../../src/domain/ports.ts";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

const SECRET = "hostile-peer-secret";
let peer: AmiPeer;
const stops: Array<() => Promise<void>> = [];

beforeEach(async () => {
  peer = await AmiPeer.start({
    secret: SECRET,
    loginFailureDelayMs: 20,
    state: { endpoints: labEndpoints(1000, 1002), contacts: [{ aor: "1000", uri: "sip:1000@127.0.0.1:15000" }] },
  });
});

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  await peer.close();
});

interface Harness {
  client: AmiClient;
  log: MemoryLog;
  events: AmiEvent[];
  readies: number;
  downs: AmiDisconnect[];
  malformed: string[];
}

function startClient(overrides: Partial<AmiClientOptions> = {}): Harness {
  const h: Harness = { client: undefined as unknown as AmiClient, log: new MemoryLog(), events: [], readies: 0, downs: [], malformed: [] };
  h.client = new AmiClient(
    {
      host: peer.host,
      port: peer.port,
      username: "crm",
      secret: SECRET,
      actionTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      heartbeat: { intervalMs: 5_000, timeoutMs: 1_000 },
      backoff: { initialMs: 20, maxMs: 100 },
      ...overrides,
    },
    {
      onReady: () => (h.readies += 1),
      onEvent: (event) => h.events.push(event),
      onDisconnected: (info) => h.downs.push(info),
      onMalformed: (reason) => h.malformed.push(reason),
    },
    h.log,
  );
  stops.push(() => h.client.stop());
  h.client.start();
  return h;
}

async function ready(h: Harness, count = 1): Promise<void> {
  await waitFor(() => h.readies >= count, { message: `ready #${count}` });
}

describe("AMI peer input that must not hurt us", () => {
  it("ActionIDs equal to emitter event names or object keys are just unknown ActionIDs", async () => {
    const h = startClient();
    await ready(h);
    const names = ["rawevent", "response", "managerevent", "error", "close", "end", "connect", "newListener", "__proto__", "constructor", "toString", "aa-1", "aa-999"];
    let bytes = "";
    for (const name of names) {
      bytes += `Response: Success\r\nActionID: ${name}\r\nMessage: x\r\n\r\n`;
      bytes += `Response: Error\r\nActionID: ${name}\r\nMessage: x\r\n\r\n`;
      bytes += `Event: ContactList\r\nActionID: ${name}\r\nEventList: Complete\r\n\r\n`;
      bytes += `Event: ${name}\r\n${name}: ${name}\r\n\r\n`;
    }
    await peer.replay(bytes);
    await expect(h.client.action({ Action: "Ping" })).resolves.toMatchObject({ response: "Success" });
    expect(h.downs).toEqual([]);
    expect(h.client.stats().strayEvents).toBeGreaterThanOrEqual(names.length);
    // Headers named like Object.prototype members pollute nothing (asterisk-manager's parser drops a
    // `__proto__` header and makes `constructor` a repeated one: neither is read); the events still arrive.
    expect(h.events.some((e) => e.name === "__proto__")).toBe(true);
    expect(h.events.some((e) => e.name === "constructor")).toBe(true);
    expect(({} as Record<string, unknown>).__proto__).toBe(Object.prototype);
  });

  it("a line longer than the cap without CRLF drops the session, which reconnects (and resyncs on login)", async () => {
    const h = startClient({ limits: { maxLineLength: 64 * 1024 } });
    await ready(h);
    void peer.replay(Buffer.alloc(20 * 1024 * 1024, "A"));
    await waitFor(() => h.downs.length === 1, { message: "session dropped" });
    expect(h.downs[0]).toMatchObject({ cause: "protocol-error", reason: "AMI line longer than 65536 characters", wasReady: true });
    await ready(h, 2);
    expect(h.client.stats().oversized).toBe(1);
    await expect(h.client.action({ Action: "Ping" })).resolves.toMatchObject({ response: "Success" });
  });

  it("a message larger than the cap, in short lines, drops the session too", async () => {
    const h = startClient({ limits: { maxMessageLength: 32 * 1024 } });
    await ready(h);
    void peer.replay(`Event: Flood\r\n${"X-Header: 0123456789\r\n".repeat(5_000)}\r\n`);
    await waitFor(() => h.downs.length === 1);
    expect(h.downs[0]?.reason).toBe("AMI message larger than 32768 characters");
    await ready(h, 2);
  });

  it("a frame broken mid-line is dropped whole and reported (the bridge resyncs), the next frame is read", async () => {
    const h = startClient();
    await ready(h);
    await waitFor(() => h.events.length >= 1); // FullyBooted
    await peer.replay("Event: DeviceStateChange\r\nDevi\r\nEvent: DeviceStateChange\r\nDevice: PJSIP/1000\r\nState: INUSE\r\n\r\n");
    await peer.sendEvent("DeviceStateChange", { Device: "PJSIP/1001", State: "RINGING" });
    await waitFor(() => h.events.some((e) => e.fields.device === "PJSIP/1001"));
    expect(h.malformed).toEqual(["a line that is not a header"]);
    expect(h.events.some((e) => e.fields.device === "PJSIP/1000")).toBe(false);
  });

  it("NUL and invalid UTF-8 in values never reach a consumer", async () => {
    const h = startClient();
    await ready(h);
    const bytes = Buffer.concat([Buffer.from("Event: ContactStatus\r\nUserAgent: a\u0000b"), Buffer.from([0xff, 0xc3]), Buffer.from("c\r\n\r\n")]);
    await peer.replay(bytes);
    await waitFor(() => h.events.some((e) => e.name === "ContactStatus"));
    const agent = h.events.find((e) => e.name === "ContactStatus")?.fields.useragent;
    expect(agent).toBe("ab\uFFFD\uFFFDc");
  });

  it("a flood is read in slices: timers run while it is processed", async () => {
    const h = startClient();
    await ready(h);
    const order: string[] = [];
    let ticking = true;
    const tick = () => {
      order.push("tick");
      if (ticking) setTimeout(tick, 0);
    };
    const before = h.events.length;
    const count = 20_000;
    let bytes = "";
    for (let i = 0; i < count; i++) bytes += `Event: DeviceStateChange\r\nDevice: PJSIP/${1000 + (i % 3)}\r\nState: INUSE\r\n\r\n`;
    const seen = () => h.events.length - before;
    const originalPush = h.events.push.bind(h.events);
    h.events.push = (...items: AmiEvent[]) => {
      order.push("event");
      return originalPush(...items);
    };
    tick();
    await peer.replay(bytes);
    await waitFor(() => seen() >= count, { timeoutMs: 20_000 });
    ticking = false;
    const first = order.indexOf("event");
    const last = order.lastIndexOf("event");
    const ticksDuring = order.slice(first, last).filter((x) => x === "tick").length;
    expect(ticksDuring).toBeGreaterThan(5);
  });

  it("a flood that delays our Pong does not count as a dead peer; silence does", async () => {
    const h = startClient({ heartbeat: { intervalMs: 50, timeoutMs: 150 } });
    await ready(h);
    peer.muteActions("Ping"); // the Pong never comes: only the stream's liveness keeps the session
    const until = Date.now() + 600;
    while (Date.now() < until) {
      await peer.sendEvent("DeviceStateChange", { Device: "PJSIP/1000", State: "INUSE" });
      await sleep(20);
    }
    expect(h.downs).toEqual([]);
    await waitFor(() => h.downs.length === 1, { message: "heartbeat timeout once silent" });
    expect(h.downs[0]?.cause).toBe("heartbeat-timeout");
  });
});

describe("StreamGuard (in front of asterisk-manager's reader)", () => {
  it("watches a 20 MB line arriving in 100-byte chunks without re-scanning it (linear: a quadratic scan would not finish)", () => {
    const guard = new StreamGuard({ maxLineLength: 32 * 1024 * 1024, maxMessageLength: 64 * 1024 * 1024 });
    const chunk = "v".repeat(100);
    expect(guard.feed("Event: Big\r\nValue: ")).toBeNull();
    for (let i = 0; i < 200_000; i++) expect(guard.feed(chunk)).toBeNull();
    expect(guard.feed("\r\n\r\n")).toBeNull();
  });

  it("says so past the line cap while the line is still arriving", () => {
    const guard = new StreamGuard({ maxLineLength: 1_000, maxMessageLength: 10_000 });
    let verdict: string | null = null;
    for (let i = 0; i < 100 && verdict === null; i++) verdict = guard.feed("x".repeat(100));
    expect(verdict).toBe("AMI line longer than 1000 characters");
  });
});

describe("AmiBridge resyncs after malformed input, at most once per interval", () => {
  it("a broken frame and a malformed event each ask Asterisk again; a burst of them asks once", async () => {
    const listener: AmiListener = { onFact() {}, onSnapshot() {}, onConnectionChange() {} };
    const bridge = new AmiBridge({
      host: peer.host,
      port: peer.port,
      username: "crm",
      secret: SECRET,
      listener,
      log: new MemoryLog(),
      actionTimeoutMs: 1_000,
      reconnectInitialMs: 20,
      malformedResyncIntervalMs: 400,
    });
    stops.push(() => bridge.stop());
    bridge.start();
    await waitFor(() => bridge.stats().synced);
    const lists = () => peer.received("PJSIPShowContacts").length;
    const initial = lists();
    await peer.replay("Event: DeviceStateChange\r\nDevi\r\n\r\n");
    await waitFor(() => lists() === initial + 1, { message: "resync after a broken frame" });
    for (let i = 0; i < 20; i++) await peer.replay("Event: ContactStatus\r\nContactStatus: Reachable\r\n\r\n"); // no URI/AOR: malformed
    await sleep(150);
    expect(lists()).toBe(initial + 1); // within the interval: held back
    await waitFor(() => lists() === initial + 2, { message: "one resync for the whole burst" });
    await sleep(500);
    expect(lists()).toBe(initial + 2);
    expect(bridge.stats().malformed).toBeGreaterThanOrEqual(21);
  });
});
