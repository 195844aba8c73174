// AMI framing on the client side: bytes in, messages out. Replaces asterisk-manager's reader, whose
// cost is quadratic in the length of a line without CRLF (it re-splits the whole carry-over on every
// chunk), which has no size limit, and which emits peer-chosen ActionIDs as event names on its own
// emitter (an ActionID such as `rawevent` crashed the process).
//
// Same message shape as that library (header names trimmed and lower-cased, a repeated header as an
// array, `Variable`/`ChanVariable` as a name → value object), so normalize.ts is unchanged. Every
// byte is looked at a bounded number of times whatever the chunking: linear cost.
import { StringDecoder } from "node:string_decoder";
import type { AmiRawMessage } from "./ami-messages.ts";

export interface FramerLimits {
  /** Longest line (characters, without its CRLF). */
  maxLineLength: number;
  /** Largest message (characters of all its lines). */
  maxMessageLength: number;
}

export type FrameResult =
  | { kind: "message"; message: AmiRawMessage }
  /** A frame that cannot be read (a line that is not `Key: value`): it is dropped whole, since it may
   * merge two events cut mid-line; the caller resyncs because an event may be lost. */
  | { kind: "malformed"; reason: string };

/** The peer broke a size limit: the stream cannot be trusted any more; drop the session. */
export class AmiFrameTooLargeError extends Error {
  override readonly name = "AmiFrameTooLargeError";
}

const BANNER = "Asterisk Call Manager";

export class AmiFramer {
  private readonly decoder = new StringDecoder("utf8"); // invalid UTF-8 becomes U+FFFD, never an exception
  /** Pieces of the unfinished line, joined once when its LF arrives (never re-scanned). */
  private partial: string[] = [];
  private partialLength = 0;
  private lines: string[] = [];
  private messageLength = 0;
  private broken: string | null = null;

  constructor(private readonly limits: FramerLimits) {}

  /** Feeds a chunk; returns the frames it completes. Throws AmiFrameTooLargeError past a limit. */
  push(chunk: Buffer | string): FrameResult[] {
    const text = typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    const out: FrameResult[] = [];
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      if (newline < 0) {
        if (start < text.length) {
          this.partial.push(text.slice(start));
          this.partialLength += text.length - start;
          if (this.partialLength > this.limits.maxLineLength) throw this.tooLarge(`AMI line longer than ${this.limits.maxLineLength} characters`);
        }
        return out;
      }
      let line = text.slice(start, newline);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = this.partial.join("");
        this.partial = [];
        this.partialLength = 0;
      }
      start = newline + 1;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      // PostgreSQL text cannot hold NUL (invalid UTF-8 is already U+FFFD): clean it here, once, for every consumer.
      if (line.includes("\u0000")) line = line.replaceAll("\u0000", "");
      if (line.length > this.limits.maxLineLength) throw this.tooLarge(`AMI line longer than ${this.limits.maxLineLength} characters`);
      this.line(line, out);
    }
  }

  private line(line: string, out: FrameResult[]): void {
    if (line.length === 0) {
      if (this.lines.length > 0 || this.broken) out.push(this.finish());
      return;
    }
    if (this.lines.length === 0 && !this.broken && line.startsWith(BANNER)) return; // greeting, no blank line after it
    this.messageLength += line.length + 2;
    if (this.messageLength > this.limits.maxMessageLength) throw this.tooLarge(`AMI message larger than ${this.limits.maxMessageLength} characters`);
    if (line.indexOf(":") <= 0) this.broken ??= "a line that is not a header";
    else this.lines.push(line);
  }

  private finish(): FrameResult {
    const lines = this.lines;
    const broken = this.broken;
    this.lines = [];
    this.messageLength = 0;
    this.broken = null;
    if (broken) return { kind: "malformed", reason: broken };
    return { kind: "message", message: parseHeaders(lines) };
  }

  private tooLarge(message: string): AmiFrameTooLargeError {
    this.partial = [];
    this.partialLength = 0;
    this.lines = [];
    this.messageLength = 0;
    return new AmiFrameTooLargeError(message);
  }
}

/** `Key: value` lines as asterisk-manager reads them. A null-prototype object: a header named
 * `__proto__` or `constructor` is just a header. */
function parseHeaders(lines: readonly string[]): AmiRawMessage {
  const message: Record<string, string | string[] | Record<string, string>> = Object.create(null);
  for (const line of lines) {
    const separator = line.indexOf(": ");
    const key = (separator < 0 ? line.slice(0, line.indexOf(":")) : line.slice(0, separator)).trim().toLowerCase();
    const value = separator < 0 ? "" : line.slice(separator + 2);
    if (key === "variable" || key === "chanvariable") {
      const existing = message[key];
      const variables: Record<string, string> = typeof existing === "object" && !Array.isArray(existing) ? existing : Object.create(null);
      const equals = value.indexOf("=");
      variables[equals < 0 ? value : value.slice(0, equals)] = equals < 0 ? "" : value.slice(equals + 1);
      message[key] = variables;
      continue;
    }
    const existing = message[key];
    if (existing === undefined) message[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else message[key] = [existing as string, value];
  }
  return message;
}
