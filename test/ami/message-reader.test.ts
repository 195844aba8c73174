// Our AMI reader against asterisk-manager's own reader (the one it replaces): the same messages for
// every capture and for arbitrary text (banners, `follows` responses, repeated and Variable headers,
// lines without ": ", blank-line runs, NUL, CR alone), cut into chunks anywhere.
import diagnostics from "node:diagnostics_channel";
import net, { type Socket } from "node:net";
import Manager from "asterisk-manager";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmiMessageReader } from "../../src/ami/message-reader.ts";
import { listCaptures, readCapture } from "../helpers/ami-frames.ts";

let server: net.Server;
let port = 0;

beforeAll(async () => {
  server = net.createServer((socket) => socket.on("error", () => undefined));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The messages asterisk-manager's reader emits for these chunks (its data listener, called directly). */
function libraryMessages(chunks: readonly string[]): unknown[] {
  const manager = Manager(undefined, "127.0.0.1", "u", "p", true);
  manager.removeAllListeners("rawevent");
  const out: unknown[] = [];
  manager.on("rawevent", (item: unknown) => void out.push(item));
  let socket: Socket | undefined;
  const catchSocket = (message: unknown) => (socket ??= (message as { socket: Socket }).socket);
  diagnostics.subscribe("net.client.socket", catchSocket);
  try {
    manager.connect({ host: "127.0.0.1", port });
  } finally {
    diagnostics.unsubscribe("net.client.socket", catchSocket);
  }
  const reader = socket!.listeners("data")[0] as (chunk: string) => void;
  socket!.destroy();
  for (const chunk of chunks) reader(chunk);
  // The library emits `{}` for a blank line outside a message; nobody reads it and ours skips it.
  return out.filter((item) => Object.keys(item as object).length > 0);
}

function ourMessages(chunks: readonly string[]): unknown[] {
  const out: unknown[] = [];
  const reader = new AmiMessageReader((item) => void out.push(item));
  for (const chunk of chunks) reader.feed(chunk);
  return out.filter((item) => Object.keys(item as object).length > 0);
}

function cut(text: string, sizes: readonly number[]): string[] {
  const chunks: string[] = [];
  for (let at = 0, i = 0; at < text.length; i++) {
    const size = sizes.length ? sizes[i % sizes.length]! : text.length;
    chunks.push(text.slice(at, at + size));
    at += size;
  }
  return chunks;
}

/** Own enumerable properties only (the library's item for `__proto__: x` has a replaced prototype). */
const plain = (items: unknown[]) => JSON.parse(JSON.stringify(items)) as unknown;

const LINES = [
  "Asterisk Call Manager/11.0.0",
  "Event: DeviceStateChange",
  "Device: PJSIP/1000",
  "State: INUSE",
  "Response: Follows",
  "Response: Success",
  "ActionID: a-1",
  "--END COMMAND--",
  "--END SMS EVENT--",
  "Output: line: with: colons",
  "Variable: A=1",
  "Variable: B=2=3",
  "ChanVariable: C",
  "Variable: __proto__=x",
  "constructor: x",
  "  Padded Key  : v",
  "NoColonHere",
  "Key:NoSpace",
  "Message: a\u0000b",
  "\r",
  "",
  "",
];

describe("AmiMessageReader (what asterisk-manager's reader emits, read once)", () => {
  it("every capture, whole and cut into odd chunks", () => {
    for (const name of listCaptures()) {
      const text = readCapture(name);
      for (const sizes of [[], [1], [7, 3, 64], [1000]]) {
        const chunks = cut(text, sizes);
        expect(plain(ourMessages(chunks)), `${name} ${sizes.join(",")}`).toEqual(plain(libraryMessages(chunks)));
      }
    }
  });

  it("arbitrary lines, LF or CRLF, cut anywhere", () => {
    const line = fc.oneof(fc.constantFrom(...LINES), fc.string({ maxLength: 12 }).map((s) => s.replace(/\n/g, "")));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 5 }), (lines, crlf, sizes) => {
        const text = lines.join(crlf ? "\r\n" : "\n") + "\r\n\r\n";
        const chunks = cut(text, sizes);
        expect(plain(ourMessages(chunks))).toEqual(plain(libraryMessages(chunks)));
      }),
      { numRuns: 300 },
    );
  });

  it("read a few messages at a time (resumed where it stopped), the same messages and NUL marks as read at once", () => {
    const line = fc.oneof(fc.constantFrom(...LINES), fc.string({ maxLength: 12 }).map((s) => s.replace(/\n/g, "")));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 5 }), fc.integer({ min: 1, max: 3 }), (lines, sizes, perTurn) => {
        const chunks = cut(lines.join("\r\n") + "\r\n\r\n", sizes);
        const whole: Array<[unknown, boolean]> = [];
        const wholeReader = new AmiMessageReader((item, nul) => void whole.push([item, nul]));
        for (const chunk of chunks) wholeReader.feed(chunk);
        const turns: Array<[unknown, boolean]> = [];
        const reader = new AmiMessageReader((item, nul) => void turns.push([item, nul]));
        for (const chunk of chunks) {
          for (let at = 0; at < chunk.length; ) {
            const before = turns.length;
            at = reader.feed(chunk, at, perTurn);
            expect(turns.length - before).toBeLessThanOrEqual(perTurn);
          }
        }
        expect(plain(turns)).toEqual(plain(whole));
      }),
      { numRuns: 300 },
    );
  });

  it("reads header names the same once it remembers them, and past the names it remembers", () => {
    // 1,500 distinct names (more than the reader keeps), each sent twice, as Asterisk never would.
    const names = Array.from({ length: 1_500 }, (_, i) => ` X-Name-${i} `);
    const text = [...names, ...names].map((name, i) => `Event: E\r\n${name}: ${i}\r\n\r\n`).join("");
    const items = ourMessages([text]) as Array<Record<string, unknown>>;
    expect(items).toHaveLength(3_000);
    items.forEach((item, i) => expect(item).toEqual({ event: "E", [`x-name-${i % 1_500}`]: String(i) }));
  });

  it("drops a `__proto__` header (the library makes the item's prototype an array of it)", () => {
    const [item] = ourMessages(["Event: X\r\n__proto__: y\r\n0: z\r\nconstructor: c\r\n\r\n"]) as Array<Record<string, unknown>>;
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(item))).toEqual({ event: "X", 0: "z", constructor: [null, "c"] });
  });

  it("marks a message in which NUL occurred, and only it", () => {
    const marks: boolean[] = [];
    const reader = new AmiMessageReader((_item, hasNul) => void marks.push(hasNul));
    reader.feed("Event: A\r\n\r\nEvent: B\r\nX: a\u0000");
    reader.feed("b\r\n\r\nEvent: C\r\n\r\nEvent: D\r\nY: \u0000\r\n\r\nEvent: E\r\n\r\n");
    expect(marks).toEqual([false, true, false, true, false]);
  });
});
