// Writes to one AMI client: everything queued within one event-loop turn goes out in one write,
// in slices of at most `sliceBytes`, and only while the socket accepts more (backpressure). A client
// that makes no progress for `writeTimeoutMs` is dropped, as Asterisk drops a session whose write
// blocks longer than its `writetimeout` (100 ms by default); `maxQueuedBytes` bounds memory when
// that timeout is off. Progress is any slice reaching the kernel; a stall that is really our own
// event loop being busy (the timer fired late) is not held against the client.
import type { Socket } from "node:net";

export interface OutputQueueOptions {
  /** Drop the client when a blocked write does not drain within this (0: never). */
  writeTimeoutMs: number;
  /** Drop the client when this much is waiting to be written. */
  maxQueuedBytes: number;
  /** Called once when the queue gives up on the client (the socket is destroyed right after). */
  onOverflow(reason: string): void;
  sliceBytes?: number;
}

export class OutputQueue {
  /** Waiting text; V8 appends to strings as ropes, so this is cheap even for bursts of 10^5 events. */
  private pending = "";
  private scheduled = false;
  private blocked = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** performance.now() of the last slice handed to the kernel. */
  private lastProgressAt = performance.now();
  private idleWaiters: Array<() => void> = [];
  private readonly sliceBytes: number;

  constructor(
    private readonly socket: Socket,
    private readonly options: OutputQueueOptions,
  ) {
    this.sliceBytes = options.sliceBytes ?? 64 * 1024;
    socket.on("drain", () => this.onDrain());
    socket.once("close", () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes waiting in this queue (not yet handed to the socket). */
  get pendingBytes(): number {
    return this.pending.length;
  }

  push(text: string): void {
    if (this.closed || text.length === 0) return;
    this.pending += text;
    if (this.pending.length > this.options.maxQueuedBytes) {
      this.giveUp(`more than ${this.options.maxQueuedBytes} bytes waiting for a slow client`);
      return;
    }
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Resolves once everything queued so far has been handed to the socket (or the socket is gone). */
  idle(): Promise<void> {
    if (this.closed || (this.pending.length === 0 && !this.blocked)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes what is queued, then half-closes (FIN), as Asterisk does after Logoff or Shutdown. A client
   * that does not take it within `graceMs` is cut off (even with the write timeout off). */
  async end(graceMs = 1_000): Promise<void> {
    if (this.closed) return;
    this.flush();
    let timer: NodeJS.Timeout | undefined;
    const flushed = await Promise.race([
      this.idle().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (this.socket.destroyed) return;
    if (flushed) this.socket.end();
    else this.socket.destroy();
  }

  private flush(): void {
    this.scheduled = false;
    while (!this.blocked && !this.closed && this.pending.length > 0) {
      const slice = this.pending.slice(0, this.sliceBytes);
      this.pending = this.pending.slice(slice.length);
      if (!this.socket.write(slice, this.onWritten)) {
        this.blocked = true;
        this.armStallTimer();
      }
    }
    if (!this.blocked && this.pending.length === 0) this.notifyIdle();
  }

  private readonly onWritten = (error?: Error | null): void => {
    if (!error) this.lastProgressAt = performance.now();
  };

  private armStallTimer(): void {
    const timeoutMs = this.options.writeTimeoutMs;
    if (timeoutMs <= 0 || this.closed) return;
    clearTimeout(this.stallTimer);
    const armedAt = performance.now();
    this.stallTimer = setTimeout(() => {
      const lateMs = performance.now() - armedAt - timeoutMs;
      // Decide after this turn's I/O callbacks: a write that completed meanwhile is progress.
      setImmediate(() => this.checkStall(lateMs));
    }, timeoutMs);
  }

  private checkStall(lateMs: number): void {
    if (!this.blocked || this.closed) return;
    const timeoutMs = this.options.writeTimeoutMs;
    if (performance.now() - this.lastProgressAt < timeoutMs || lateMs > timeoutMs / 2) {
      this.armStallTimer();
      return;
    }
    this.giveUp(`no write progress for ${timeoutMs} ms`);
  }

  private onDrain(): void {
    if (!this.blocked) return;
    this.blocked = false;
    clearTimeout(this.stallTimer);
    this.flush();
  }

  private giveUp(reason: string): void {
    if (this.closed) return;
    this.options.onOverflow(reason);
    this.socket.destroy();
    this.close();
  }

  private close(): void {
    this.closed = true;
    clearTimeout(this.stallTimer);
    this.pending = "";
    this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
