// The database's own state, kept in memory so that probes and metrics answer at once whatever the
// database does: a background ping with a deadline (reachable?), and the write buffer's last outcome
// (does it accept writes? A full disk or a read-only server answers pings but refuses writes).
import { withDeadline } from "../deadline.ts";
import type { Log } from "../domain/ports.ts";
import type { WriteBufferStats } from "./write-buffer.ts";

export interface DatabaseState {
  /** Reachable within the deadline and accepting writes. */
  up: boolean;
  reachable: boolean;
  /** Why it is not up (ping error, or the last write error). */
  detail: string | null;
  lastCheckAt: number | null;
}

export interface DatabaseHealthOptions {
  ping: () => Promise<void>;
  writes: () => Pick<WriteBufferStats, "failing" | "lastError">;
  timeoutMs: number;
  intervalMs: number;
  log: Log;
}

export class DatabaseHealth {
  private reachable = true; // openDatabase just succeeded
  private pingError: string | null = null;
  private lastCheckAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private wasUp = true;

  constructor(private readonly options: DatabaseHealthOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One ping, bounded by the deadline; concurrent callers share it. */
  check(): Promise<void> {
    this.checking ??= withDeadline(Promise.resolve().then(this.options.ping), this.options.timeoutMs, "database ping")
      .then(
        () => {
          this.reachable = true;
          this.pingError = null;
        },
        (error: unknown) => {
          this.reachable = false;
          this.pingError = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => {
        this.lastCheckAt = Date.now();
        this.checking = null;
        this.logTransition();
      });
    return this.checking;
  }

  state(): DatabaseState {
    const writes = this.options.writes();
    const up = this.reachable && !writes.failing;
    const detail = !this.reachable ? this.pingError : writes.failing ? `writes failing: ${writes.lastError ?? "unknown error"}` : null;
    return { up, reachable: this.reachable, detail, lastCheckAt: this.lastCheckAt };
  }

  private logTransition(): void {
    const state = this.state();
    if (state.up === this.wasUp) return;
    this.wasUp = state.up;
    if (state.up) this.options.log.info({}, "database is back: answering and accepting writes");
    else this.options.log.error({ detail: state.detail }, "database is down: serving from memory, writes are kept and retried");
  }
}
