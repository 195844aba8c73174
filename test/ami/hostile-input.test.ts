// What a broken or hostile AMI peer sends must never end the process nor stall it: ActionIDs that
// name asterisk-manager's own events, endless lines, NUL bytes. Real TCP peer, real client.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AmiEvent } from "../../src/ami/ami-messages.ts";
import { AmiClient, type AmiDisconnect } from "../../src/ami/manager-client.ts";
import { StreamGuard } from "../../src/ami/stream-guard.ts";
import { AmiPeer, labEndpoints } from "../helpers/ami-peer.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

let peer: AmiPeer;
let client: AmiClient;
const events: AmiEvent[] = [];
const downs: AmiDisconnect[] = [];
let readies = 0;

beforeEach(async () => {
  events.length = 0;
  downs.length = 0;
  readies = 0;
  peer = await AmiPeer.start({ secret: "s", state: { endpoints: labEndpoints(1000, 1001), contacts: [] } });
  client = new AmiClient(
    {
      host: peer.host,
      port: peer.port,
      username: "crm",
      secret: "s",
      actionTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      heartbeat: { intervalMs: 200, timeoutMs: 500 },
      backoff: { initialMs: 20, maxMs: 100 },
      limits: { maxLineLength: 16 * 1024, maxMessageLength: 64 * 1024 },
    },
    { onReady: () => void readies++, onEvent: (e) => void events.push(e), onDisconnected: (d) => void downs.push(d) },
    new MemoryLog(),
  );
  client.start();
  await waitFor(() => readies === 1, { timeoutMs: 3_000, message: "ready" });
});

afterEach(async () => {
  await client.stop();
  await peer.close();
});

describe("hostile AMI input", () => {
  it.each(["rawevent", "managerevent", "response", "asterisk", "error", "connect", "close", "end", "userevent", "__proto__", "constructor"])(
    "a response with ActionID %j changes nothing: no crash, the session goes on",
    async (actionId) => {
      await peer.replay(`Response: Error\r\nActionID: ${actionId}\r\nMessage: boom\r\n\r\nResponse: Success\r\nActionID: ${actionId}\r\n\r\n`);
      await peer.sendEvent("DeviceStateChange", { Device: "PJSIP/1000", State: "INUSE" });
      await waitFor(() => events.some((e) => e.name === "DeviceStateChange"), { timeoutMs: 2_000, message: "the next event" });
      expect(downs).toEqual([]);
      // Actions still work on the same session.
      await expect(client.action({ Action: "Ping" })).resolves.toMatchObject({ response: "Success" });
    },
  );

  it("an endless line drops the session at the cap (not after 20 MB) and the client logs in again", async () => {
    const before = process.cpuUsage();
    await peer.replay("Event: Flood\r\nValue: " + "x".repeat(20 * 1024 * 1024));
    await waitFor(() => downs.length > 0, { timeoutMs: 5_000, message: "session dropped" });
    expect(downs[0]).toMatchObject({ cause: "protocol-error", reason: "AMI line longer than 16384 characters" });
    await waitFor(() => readies === 2, { timeoutMs: 5_000, message: "logged in again" });
    const used = process.cpuUsage(before);
    // Generous: the point is "linear, and stopped at the cap", not a speed test.
    expect((used.user + used.system) / 1000).toBeLessThan(3_000);
  });

  it("a message of endless short lines is capped too", async () => {
    await peer.replay("Event: Flood\r\n" + "Header: value\r\n".repeat(10_000));
    await waitFor(() => downs.length > 0, { timeoutMs: 5_000, message: "session dropped" });
    expect(downs[0]?.reason).toBe("AMI message larger than 65536 characters");
  });

  it("NUL bytes never reach a value", async () => {
    await peer.replay("Event: PresenceStateChange\r\nPresentity: CustomPresence:1000\r\nStatus: away\r\nMessage: a\u0000b\r\n\r\n");
    await waitFor(() => events.some((e) => e.name === "PresenceStateChange"), { timeoutMs: 2_000, message: "event" });
    expect(events.find((e) => e.name === "PresenceStateChange")?.fields.message).toBe("ab");
  });
});

describe("StreamGuard", () => {
  it("counts lines and messages across chunk boundaries, CRLF or LF", () => {
    const guard = new StreamGuard({ maxLineLength: 10, maxMessageLength: 30 });
    expect(guard.feed("Event: a\r\nKey: 12")).toBeNull();
    expect(guard.feed("34\r\n\r\n")).toBeNull(); // "Key: 1234\r" is exactly 10
    expect(guard.feed("K: 1234567")).toBeNull();
    expect(guard.feed("8")).toBe("AMI line longer than 10 characters");
    const messages = new StreamGuard({ maxLineLength: 100, maxMessageLength: 30 });
    expect(messages.feed("A: 1\nB: 2\n\nA: 1\nB: 2\nC: 3\n\n")).toBeNull();
    expect(messages.feed("A: 123456789\nB: 123456789\nC: 123456789\n")).toBe("AMI message larger than 30 characters");
  });
});

describe("damaged frames", () => {
  it("a frame broken mid-line is reported, so the bridge can resync; later frames are read", async () => {
    const malformed: string[] = [];
    const seen: AmiEvent[] = [];
    let ready = 0;
    const other = new AmiClient(
      { host: peer.host, port: peer.port, username: "crm", secret: "s", actionTimeoutMs: 1_000, connectTimeoutMs: 1_000 },
      { onReady: () => void ready++, onEvent: (e) => void seen.push(e), onDisconnected: () => {}, onMalformed: (r) => void malformed.push(r) },
      new MemoryLog(),
    );
    other.start();
    try {
      await waitFor(() => ready === 1, { timeoutMs: 3_000, message: "ready" });
      await peer.replay("Event: DeviceStateChange\r\nDevi\r\nEvent: DeviceStateChange\r\nDevice: PJSIP/1000\r\nState: INUSE\r\n\r\n");
      await peer.sendEvent("DeviceStateChange", { Device: "PJSIP/1001", State: "RINGING" });
      await waitFor(() => seen.some((e) => e.fields.device === "PJSIP/1001"), { timeoutMs: 2_000, message: "the next frame" });
      expect(malformed).toEqual(["a line that is not a header"]);
      expect(other.stats().malformedFrames).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

describe("StreamGuard across reads", () => {
  it("a CRLF split between two reads is a line end, not a line without a header", () => {
    let bad = 0;
    const guard = new StreamGuard({ maxLineLength: 100, maxMessageLength: 1_000 }, () => void bad++);
    for (const part of ["Asterisk Call Manager/11.0.0\r\n", "Event: A\r", "\n", "Key: v\r", "\n\r", "\n", "Event: B\r\n\r\n"]) expect(guard.feed(part)).toBeNull();
    expect(bad).toBe(0);
    expect(guard.feed("Devi\r\n")).toBeNull();
    expect(bad).toBe(1);
  });
});
