// Watches the raw AMI byte stream before asterisk-manager's reader sees it: a line or a message
// larger than the caps ends the session (the reader concatenates and re-splits its carry-over on
// every chunk, so an endless line would cost quadratic CPU and unbounded memory). One linear pass
// per chunk, nothing kept but two counters.

export interface StreamLimits {
  /** Longest line accepted (characters). Asterisk's own lines are far below 1 KiB. */
  maxLineLength: number;
  /** Largest message (all its lines) accepted. */
  maxMessageLength: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxLineLength: 64 * 1024, maxMessageLength: 1024 * 1024 };

export class StreamGuard {
  private line = 0;
  private message = 0;
  private lineHasColon = false;
  private bannerSeen = false;
  /** The last chunk ended in CR: a line end split between two reads. */
  private endsInCr = false;

  constructor(
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
    /** A complete line that is not a header (`Name: value`): the message it belongs to is damaged. */
    private readonly onBadLine: () => void = () => {},
  ) {}

  /** Null while the stream is within the limits, else why not. */
  feed(chunk: string): string | null {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf("\n", start);
      const end = newline === -1 ? chunk.length : newline;
      this.line += end - start;
      if (this.line > this.limits.maxLineLength) return `AMI line longer than ${this.limits.maxLineLength} characters`;
      if (!this.lineHasColon) {
        const colon = chunk.indexOf(":", start);
        this.lineHasColon = colon !== -1 && colon < end;
      }
      if (newline === -1) {
        this.endsInCr = end > start ? chunk.charCodeAt(end - 1) === 13 : this.endsInCr;
        return null;
      }
      // A line of nothing (or a lone CR) ends the message.
      const crBeforeNewline = end > start ? chunk.charCodeAt(end - 1) === 13 : this.endsInCr;
      const content = this.line - (crBeforeNewline ? 1 : 0);
      this.endsInCr = false;
      if (content <= 0) this.message = 0;
      else {
        this.message += this.line + 1;
        if (this.message > this.limits.maxMessageLength) return `AMI message larger than ${this.limits.maxMessageLength} characters`;
        // The banner (`Asterisk Call Manager/11.0.0`) is the one line without a colon.
        if (!this.lineHasColon && this.bannerSeen) this.onBadLine();
        this.bannerSeen = true;
      }
      this.line = 0;
      this.lineHasColon = false;
      start = newline + 1;
    }
  }
}
