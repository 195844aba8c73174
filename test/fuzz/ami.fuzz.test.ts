// Fuzzing the AMI side: framing at any chunk boundaries, arbitrary bytes, and the normalizer on
// arbitrary messages. Nothing a peer sends may throw anything but the framer's size error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AmiFramer, AmiFrameTooLargeError, type FrameResult } from "../../src/ami/ami-framer.ts";
import { normalize } from "../../src/ami/normalize.ts";
import { parseFrame } from "../helpers/ami-frames.ts";
import { fuzzParameters, FUZZ_TIMEOUT_MS } from "./fuzz-settings.ts";

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

/** Cuts bytes at the given sizes (cycling), like TCP reads. */
function chunks(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    out.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

function feed(framer: AmiFramer, parts: Buffer[]): FrameResult[] {
  return parts.flatMap((part) => framer.push(part));
}

describe("AMI framing (fast-check)", () => {
  it("any messages, cut at any byte boundaries (mid-line, mid-CRLF, mid-UTF-8 character), come out whole and in order", () => {
    fc.assert(
      fc.property(fc.array(plainMessage, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }), (messages, sizes) => {
        const bytes = Buffer.from(`Asterisk Call Manager/11.0.0\r\n${messages.map(frame).join("")}`, "utf8");
        const results = feed(new AmiFramer(LIMITS), chunks(bytes, sizes));
        const expected = messages.map((m) => parseFrame(frame(m).replaceAll("\u0000", "")));
        expect(results.map((r) => (r.kind === "message" ? { ...r.message } : r))).toEqual(expected.map((e) => ({ ...e })));
      }),
      fuzzParameters(300),
    );
  }, FUZZ_TIMEOUT_MS);

  it("arbitrary bytes: only frames or the size error; no NUL ever reaches a consumer; the normalizer never throws", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 300 }), message.map((m) => new Uint8Array(Buffer.from(frame(m))))), { maxLength: 10 }), (parts) => {
        const framer = new AmiFramer(LIMITS);
        try {
          for (const part of parts) {
            for (const result of framer.push(Buffer.from(part))) {
              if (result.kind === "malformed") continue;
              expect(JSON.stringify(result.message)).not.toContain("\\u0000");
              const normalized = normalize(result.message);
              expect(["facts", "control", "ignored", "malformed"]).toContain(normalized.kind);
            }
          }
        } catch (error) {
          expect(error).toBeInstanceOf(AmiFrameTooLargeError);
        }
      }),
      fuzzParameters(500),
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
