// Fuzzing the AMI side: the real client (asterisk-manager behind our guard) over TCP with messages
// cut at any chunk boundaries and with arbitrary bytes; the guard alone; the normalizer on arbitrary
// messages. Nothing a peer sends may throw or stop the session but a size cap.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AmiEvent } from "../../src/ami/ami-messages.ts";
import { AmiClient, type AmiDisconnect } from "../../src/ami/manager-client.ts";
import { StreamGuard } from "../../src/ami/stream-guard.ts";
import { AmiPeer } from "../helpers/ami-peer.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { normalize } from "../../src/ami/normalize.ts";
import { parseFrame } from "../helpers/ami-frames.ts";
import { fuzzParameters, FUZZ_SECONDS, FUZZ_TIMEOUT_MS } from "./fuzz-settings.ts";

const LIMITS = { maxLineLength: 4_096, maxMessageLength: 32_768 };
const EVENTS = ["ContactStatus", "PeerStatus", "DeviceStateChange", "ExtensionStatus", "FullyBooted", "Shutdown", "Reload", "ContactList", "EndpointList", "Newchannel", "Hangup", "PresenceStateChange", "QueueMemberStatus", "rawevent", "__proto__"];
const KEYS = ["Event", "ActionID", "URI", "Uri", "AOR", "Aor", "EndpointName", "Endpoint", "ContactStatus", "Status", "Peer", "PeerStatus", "Device", "State", "Exten", "Context", "Hint", "RoundtripUsec", "UserAgent", "ViaAddress", "RegExpire", "ObjectName", "DeviceState", "Restart", "Module", "Variable", "__proto__", "constructor"];

/** Header values as a PBX could send them: any text without CR/LF, NUL and non-ASCII included. */
const value = fc.string({ unit: fc.oneof(fc.constantFrom("a", "1", " ", ":", "/", "@", ";", "=", "\u0000", "é", "😀", "PJSIP/1000", "Reachable", "INUSE"), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 40 }).map((v) => v.replace(/[\r\n]/g, ""));
// The reference parser (test/helpers/ami-frames.ts) uses a plain object and flat Variable headers:
// compare only on keys where it is a fair reference; the others are fuzzed with arbitrary bytes.
const PLAIN_KEYS = KEYS.filter((k) => !["__proto__", "constructor", "Variable"].includes(k));
const header = fc.tuple(fc.constantFrom(...KEYS), value);
const plainHeader = fc.tuple(fc.constantFrom(...PLAIN_KEYS), value);
const messageOf = (h: fc.Arbitrary<[string, string]>) =>
  fc.tuple(fc.constantFrom(...EVENTS.filter((e) => e !== "__proto__")), fc.array(h, { maxLength: 12 })).map(([event, headers]) => [["Event", event] as const, ...headers]);
const message = messageOf(header);
const plainMessage = messageOf(plainHeader);

function frame(headers: ReadonlyArray<readonly [string, string]>): string {
  return `${headers.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`;
}

let peer: AmiPeer;
let client: AmiClient;
const received: AmiEvent[] = [];
const downs: AmiDisconnect[] = [];
let readies = 0;

beforeAll(async () => {
  peer = await AmiPeer.start({ secret: "s", state: { endpoints: [], contacts: [] } });
  client = new AmiClient(
    { host: peer.host, port: peer.port, username: "crm", secret: "s", actionTimeoutMs: 2_000, connectTimeoutMs: 2_000, limits: LIMITS, backoff: { initialMs: 10, maxMs: 50 } },
    { onReady: () => void readies++, onEvent: (e) => void received.push(e), onDisconnected: (d) => void downs.push(d) },
    new MemoryLog(),
  );
  client.start();
  await waitFor(() => readies === 1, { timeoutMs: 5_000, message: "ready" });
});

afterAll(async () => {
  await client?.stop();
  await peer?.close();
});

/** Sends bytes cut at `sizes`, then a marker event, and returns the events that arrived before the marker. */
async function roundTrip(bytes: Buffer, sizes: number[], run: number): Promise<AmiEvent[]> {
  received.length = 0;
  await peer.replay(bytes, { chunkSizes: sizes });
  // A blank line ends whatever an arbitrary part left open; then the marker.
  await peer.replay(`\r\n\r\nEvent: FuzzMarker\r\nRun: ${run}\r\n\r\n`);
  await waitFor(() => received.some((e) => e.name === "FuzzMarker" && e.fields.run === String(run)) || downs.length > 0, { timeoutMs: 5_000, message: `marker ${run}` });
  return received.filter((e) => e.name !== "FuzzMarker");
}

describe("AMI framing on the real client (fast-check, TCP)", () => {
  it("any messages, cut at any byte boundaries (mid-line, mid-CRLF, mid-UTF-8 character), come out whole and in order", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(plainMessage, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }), async (messages, sizes) => {
        const bytes = Buffer.from(messages.map(frame).join(""), "utf8");
        const events = await roundTrip(bytes, sizes, ++run);
        // A message whose Event header the fuzzer repeated is not an event, and one with an ActionID answers an
        // action (of nobody here: a stray): both are skipped, the rest arrive.
        const expected = messages
          .map((m) => parseFrame(frame(m).replaceAll("\u0000", "")))
          .filter((raw) => typeof raw.event === "string" && raw.event !== "" && !(typeof raw.actionid === "string" && raw.actionid !== ""));
        expect(events.map((e) => ({ ...e.fields }))).toEqual(expected.map((e) => ({ ...e })));
        expect(downs).toEqual([]);
      }),
      { ...fuzzParameters(40), numRuns: Math.min(fuzzParameters(40).numRuns, FUZZ_SECONDS > 0 ? Number.MAX_SAFE_INTEGER : 40) },
    );
  }, FUZZ_TIMEOUT_MS);

  it("arbitrary bytes: the session survives (or is dropped at a cap and comes back); no NUL reaches a consumer; the normalizer never throws", async () => {
    let run = 1_000_000;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), message.map((m) => new Uint8Array(Buffer.from(frame(m))))), { maxLength: 8 }), async (parts) => {
        const events = await roundTrip(Buffer.concat(parts.map((p) => Buffer.from(p))), [64], ++run);
        for (const event of events) {
          expect(JSON.stringify(event.fields)).not.toContain("\\u0000");
          expect(["facts", "control", "ignored", "malformed"]).toContain(normalize(event.fields).kind);
        }
        expect(downs.every((d) => d.cause === "protocol-error")).toBe(true);
        if (downs.length > 0) await waitFor(() => readies > 1, { timeoutMs: 5_000, message: "back after a cap" });
        downs.length = 0;
      }),
      fuzzParameters(40),
    );
  }, FUZZ_TIMEOUT_MS);

  it("the guard: any chunking of the same stream gives the same verdict", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3_000 }), fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 6 }), (text, sizes) => {
        const whole = new StreamGuard({ maxLineLength: 100, maxMessageLength: 1_000 }).feed(text);
        const guard = new StreamGuard({ maxLineLength: 100, maxMessageLength: 1_000 });
        let verdict: string | null = null;
        for (let offset = 0, i = 0; offset < text.length && verdict === null; i++) {
          const size = sizes[i % sizes.length]!;
          verdict = guard.feed(text.slice(offset, offset + size));
          offset += size;
        }
        expect(verdict).toBe(whole);
      }),
      fuzzParameters(1_000),
    );
  }, FUZZ_TIMEOUT_MS);

  it("the normalizer reads any raw message shape without throwing (arrays, variable objects, odd keys)", () => {
    const raw = fc.dictionary(
      fc.constantFrom(...KEYS.map((k) => k.toLowerCase()), "event", "variable"),
      fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), value, { maxKeys: 3 })),
      { maxKeys: 12 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...EVENTS), raw, (event, fields) => {
        const result = normalize({ ...fields, event });
        expect(["facts", "control", "ignored", "malformed"]).toContain(result.kind);
      }),
      fuzzParameters(1_000),
    );
  }, FUZZ_TIMEOUT_MS);
});
