// Turns the AMI byte stream (already decoded as UTF-8) into messages of exactly the shape
// asterisk-manager's reader emits, in one linear pass: that reader appends each chunk to its
// carry-over, re-splits everything with a regexp and re-parses the message in progress on every
// chunk (21 % of the service's CPU under load). A header is read straight from the chunk, with no
// string per line (those were an eighth of what the service allocated while ingesting). Same rules,
// kept line for line:
// - lines end at LF, one CR before it is dropped; a blank line ends a message;
// - the banner (`Asterisk Call Manager...`) at the start of a message is skipped;
// - `Response: ...follow...` collects raw lines up to `--END COMMAND--` / `--END SMS EVENT--` and a
//   blank line: `{ response: "follows", content, actionid }`;
// - `Name: value` (split at the first ": "): the name trimmed and lower-cased; a line without ": "
//   is a name with the value ""; a repeated name becomes an array; `Variable` / `ChanVariable`
//   become a name → value object (split at the first "=").
// A message in which NUL occurred is marked, so that only those pay for stripping it.

export type RawItem = Record<string, unknown>;

export class AmiMessageReader {
  /** A line not yet ended by LF. */
  private partial = "";
  /** The message in progress, header by header (null: none started). */
  private item: RawItem | null = null;
  /** Lines of a `follows` response in progress. */
  private lines: string[] = [];
  /** 0: headers; 1: inside a `follows` response; 2: its end marker seen, a blank line ends it. */
  private follow = 0;
  /** NUL seen in an earlier chunk of the message in progress. */
  private nul = false;
  private chunk = "";
  private nextNul = -1;
  /** Where the line being handled ends in the chunk. */
  private lineEnd = 0;
  /** The next ": " in the chunk found so far (-1: none left in it). */
  private colonAt = -1;
  /** Messages emitted by the current feed(). */
  private emitted = 0;
  /** Header names as sent → as read (trimmed, lower case): a few dozen names recur in every message. */
  private readonly names = new Map<string, string>();

  constructor(private readonly onMessage: (item: RawItem, hasNul: boolean) => void) {}

  /**
   * Reads `chunk` from `from` on; stops after `maxMessages` messages (the caller handles them before
   * reading more, so that they die young instead of waiting in a queue). Returns where it stopped:
   * chunk.length once all of it is read (an unfinished line or message waits for the next chunk).
   */
  feed(chunk: string, from = 0, maxMessages = Infinity): number {
    /** The next NUL in this chunk at or after the current message's start (-1: none). */
    this.nextNul = chunk.indexOf("\u0000", from);
    this.chunk = chunk;
    this.colonAt = chunk.indexOf(": ", from);
    this.emitted = 0;
    let start = from;
    for (;;) {
      if (this.emitted >= maxMessages) {
        this.chunk = "";
        return start;
      }
      const newline = chunk.indexOf("\n", start);
      if (newline === -1) {
        if (start < chunk.length) this.partial += start === 0 ? chunk : chunk.slice(start);
        break;
      }
      this.lineEnd = newline;
      const end = newline > start && chunk.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      if (this.partial) {
        // A line begun in an earlier chunk (its CR, if any, may be the last character of that chunk).
        let line = this.partial + chunk.slice(start, newline);
        this.partial = "";
        if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        this.line(line);
      } else if (this.item !== null && this.follow === 0) {
        // The common case, a header of a message already begun: read from the chunk, no line string.
        if (end === start) this.emit(this.item);
        else this.header(chunk, start, end, true);
      } else {
        this.line(chunk.slice(start, end));
      }
      start = newline + 1;
    }
    // A NUL after the last message that ended here belongs to the one still arriving.
    if (this.nextNul !== -1) this.nul = true;
    this.chunk = "";
    return chunk.length;
  }

  private line(line: string): void {
    if (this.follow === 0 && this.item === null) {
      if (line.startsWith("Asterisk Call Manager")) return;
      if (line.slice(0, 9).toLowerCase() === "response:" && line.toLowerCase().includes("follow")) {
        this.follow = 1;
        this.lines.push(line);
        return;
      }
      // An empty message (two blank lines) carries nothing: the library emits `{}`, which no one reads.
      if (line.length === 0) return;
      this.item = {};
      this.header(line, 0, line.length);
    } else if (this.follow === 0) {
      if (line.length === 0) this.emit(this.item!);
      else this.header(line, 0, line.length);
    } else if (line === "--END COMMAND--" || line === "--END SMS EVENT--") {
      this.follow = 2;
      this.lines.push(line);
    } else if (this.follow > 1 && line.length === 0) {
      const lines = this.lines;
      lines.pop();
      const content = lines.join("\n");
      const id = /actionid: ([^\r\n]+)/i.exec(content);
      this.emit({ response: "follows", content, actionid: id ? id[1] : undefined });
    } else {
      this.lines.push(line);
    }
  }

  /** `Name: value` between start and end of text (`inChunk`: text is the chunk being fed), added to the message in progress. */
  private header(text: string, start: number, end: number, inChunk = false): void {
    const item = this.item!;
    let colon: number;
    if (inChunk) {
      // The first ": " at or after start; remembered, so that lines without one do not each scan the rest of the chunk.
      if (this.colonAt !== -1 && this.colonAt < start) this.colonAt = text.indexOf(": ", start);
      colon = this.colonAt;
    } else colon = text.indexOf(": ", start);
    const named = colon !== -1 && colon + 2 <= end;
    const sent = text.slice(start, named ? colon : end);
    let key = this.names.get(sent);
    if (key === undefined) {
      key = sent.trim().toLowerCase();
      if (this.names.size < MAX_NAMES) this.names.set(sent, key);
    }
    const value = named ? text.slice(colon + 2, end) : "";
    // The library turns the object's prototype into an array here; nothing reads such a header.
    if (key === "__proto__") return;
    if (key === "variable" || key === "chanvariable") {
      let variables = item[key];
      if (typeof variables !== "object" || variables === null) variables = item[key] = {};
      const equals = value.indexOf("=");
      (variables as Record<string, string>)[equals === -1 ? value : value.slice(0, equals)] = equals === -1 ? "" : value.slice(equals + 1);
    } else if (key in item) {
      // `in`, as the library: a name like `constructor` counts as repeated (and is then never read as one value).
      const existing = item[key];
      if (Array.isArray(existing)) existing.push(value);
      else item[key] = [existing, value];
    } else {
      item[key] = value;
    }
  }

  private emit(item: RawItem): void {
    const nul = this.nul || (this.nextNul !== -1 && this.nextNul < this.lineEnd);
    this.nul = false;
    if (nul && this.nextNul !== -1) this.nextNul = this.chunk.indexOf("\u0000", this.lineEnd);
    this.item = null;
    this.lines = [];
    this.follow = 0;
    this.emitted++;
    this.onMessage(item, nul);
  }
}

/** Names remembered at most (a peer sending ever new names must not grow the cache without end). */
const MAX_NAMES = 1_000;
