// AMI framing on the server side: client actions in (lines up to a blank line), messages out
// (`Key: value` CRLF lines, then a blank CRLF line). Shared by the simulator and the tests' fake peer.

/** What Asterisk 22 writes first on every connection: one CRLF line, no blank line after it. */
export const BANNER = "Asterisk Call Manager/11.0.0\r\n";

export type HeaderValue = string | number;
export type Headers = ReadonlyArray<readonly [string, HeaderValue]>;

/** One message: headers in the given order, each `Key: value\r\n`, then the blank line. */
export function formatMessage(headers: Headers): string {
  let text = "";
  for (const [key, value] of headers) text += `${key}: ${value}\r\n`;
  return `${text}\r\n`;
}

/** A client action as Asterisk reads it: header names case-insensitive, the first of a repeated header wins. */
export class AmiAction {
  constructor(readonly headers: ReadonlyArray<readonly [string, string]>) {}

  get(name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (const [key, value] of this.headers) if (key.toLowerCase() === wanted) return value;
    return undefined;
  }

  /** `Action` as sent, or "" when missing. */
  get name(): string {
    return this.get("action") ?? "";
  }

  get actionId(): string {
    return this.get("actionid") ?? "";
  }
}

export class ActionTooLargeError extends Error {
  constructor(limit: number) {
    super(`AMI action larger than ${limit} bytes`);
    this.name = "ActionTooLargeError";
  }
}

/** Cuts a byte stream into actions. Lines end with LF (CR before it optional, as Asterisk tolerates);
 * blank lines before an action are skipped; a partial line is kept for the next chunk. Bounded: a
 * client that sends more than `maxBytes` without finishing an action is an error, not a memory leak. */
export class ActionReader {
  private partial = "";
  private headers: Array<[string, string]> = [];
  /** Bytes of the unfinished action (its header lines so far). */
  private headerBytes = 0;

  constructor(private readonly maxBytes = 64 * 1024) {}

  push(chunk: Buffer | string): AmiAction[] {
    const text = typeof chunk === "string" ? chunk : chunk.toString("latin1");
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    const actions: AmiAction[] = [];
    for (const raw of lines) {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (line === "") {
        if (this.headers.length > 0) actions.push(new AmiAction(this.headers));
        this.headers = [];
        this.headerBytes = 0;
        continue;
      }
      this.headerBytes += raw.length + 1;
      const colon = line.indexOf(":");
      if (colon <= 0) continue; // Asterisk ignores lines that are not headers
      this.headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trimStart()]);
    }
    if (this.headerBytes + this.partial.length > this.maxBytes) throw new ActionTooLargeError(this.maxBytes);
    return actions;
  }
}
