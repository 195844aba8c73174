// AMI capture files (test/fixtures/ami-captures/*.ami, raw bytes from a real Asterisk 22, copied
// byte for byte from ../shared/ami-captures; test/fixtures/ami-captures.test.ts guards the copy) as frames
// and as the raw messages asterisk-manager would emit for them. For unit tests of anything that
// consumes AMI messages, and for replaying captures through a fake server (see ami-peer.ts).
//
//   const frames = captureFrames("call-inuse");           // banner + every message, in order
//   const raws = captureMessages("call-inuse");           // parsed like the library: lower-cased keys
//   const bytes = joinFrames(frames.filter(isLiveEvent));  // exact bytes of the live events only
//
// Framing: a message ends with an empty line (CRLF CRLF). The banner `Asterisk Call Manager/x`
// is one CRLF-terminated line with no blank line after it. PJSIP error messages keep a bare LF at
// the end of their value (`Message: Unable to retrieve endpoint 9999\n\r\n\r\n`): the frame text
// keeps it (`…9999\n`), and parseFrame, like the library, splits lines on /\r?\n/.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type AmiRaw = Record<string, string | string[]>;

export interface AmiFrame {
  kind: "banner" | "message";
  /** Text without the terminator (CRLF for the banner, CRLF CRLF for a message). */
  text: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CAPTURES_DIR = path.resolve(repoRoot, "test/fixtures/ami-captures");
/** The team's reference copy; present on the team's machines only. */
export const SHARED_CAPTURES_DIR = path.resolve(repoRoot, "../shared/ami-captures");

/** Server-side capture names (`register-reachable`, ...), without the `.client.ami` files. */
export function listCaptures(): string[] {
  return readdirSync(CAPTURES_DIR)
    .filter((file) => file.endsWith(".ami") && !file.endsWith(".client.ami"))
    .map((file) => file.slice(0, -".ami".length))
    .sort();
}

export function readCapture(name: string): string {
  return readFileSync(path.join(CAPTURES_DIR, `${name}.ami`), "latin1");
}

export function splitFrames(bytes: string): AmiFrame[] {
  const frames: AmiFrame[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    if (rest.startsWith("Asterisk Call Manager/")) {
      const end = rest.indexOf("\r\n");
      if (end < 0) break;
      frames.push({ kind: "banner", text: rest.slice(0, end) });
      rest = rest.slice(end + 2);
      continue;
    }
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) break; // an unterminated tail is not a message
    frames.push({ kind: "message", text: rest.slice(0, end) });
    rest = rest.slice(end + 4);
  }
  return frames;
}

export function captureFrames(name: string): AmiFrame[] {
  return splitFrames(readCapture(name));
}

/** The exact bytes of these frames, terminators included. */
export function joinFrames(frames: readonly AmiFrame[]): Buffer {
  return Buffer.from(frames.map((f) => (f.kind === "banner" ? `${f.text}\r\n` : `${f.text}\r\n\r\n`)).join(""), "latin1");
}

/** Parse one message frame as asterisk-manager does: lines split on /\r?\n/, empty lines dropped,
 * key = text before the first ": " trimmed and lower-cased, a repeated key becomes an array. */
export function parseFrame(text: string): AmiRaw {
  const raw: AmiRaw = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === "") continue;
    const [key = "", ...value] = line.split(": ");
    const name = key.trim().toLowerCase();
    const joined = value.join(": ");
    const existing = raw[name];
    if (existing === undefined) raw[name] = joined;
    else raw[name] = Array.isArray(existing) ? [...existing, joined] : [existing, joined];
  }
  return raw;
}

export function captureMessages(name: string): AmiRaw[] {
  return captureFrames(name)
    .filter((f) => f.kind === "message")
    .map((f) => parseFrame(f.text));
}

/** Unsolicited events (no ActionID): what a capture's live part is made of. */
export function isLiveEvent(frame: AmiFrame): boolean {
  if (frame.kind !== "message") return false;
  const raw = parseFrame(frame.text);
  return typeof raw.event === "string" && raw.actionid === undefined;
}

export function eventName(frame: AmiFrame): string | undefined {
  const raw = parseFrame(frame.text);
  return typeof raw.event === "string" ? raw.event : undefined;
}

/** Exact bytes of a capture's live events, e.g. to replay after our own login.
 * `FullyBooted` is left out unless asked for: the fake server sends its own at login. */
export function liveEventBytes(name: string, options: { keep?: (frame: AmiFrame) => boolean } = {}): Buffer {
  const keep = options.keep ?? ((frame) => eventName(frame) !== "FullyBooted");
  return joinFrames(captureFrames(name).filter((f) => isLiveEvent(f) && keep(f)));
}
