// After a resync (the start-up's first one included) the heap holds the burst's garbage and a young
// generation grown for it, and V8 returns them only at its next collection, which an idle service may
// not make for minutes (its memory reducer waits for a low allocation rate it measures at collections).
// So: once the service has been quiet for `idleMs` after a resync (its activity counter unchanged, i.e.
// no AMI message handled), one release; nothing more until the next resync. Under load nothing runs.
import type { Log } from "../domain/ports.ts";
import type { HeapRelease } from "./heap-release.ts";

export interface IdleReleaseOptions {
  /** Quiet time before the release; 0: never release. */
  idleMs: number;
  /** Any counter that grows with work (AMI messages handled). */
  activity: () => number;
  release: () => Promise<HeapRelease>;
  log: Log;
}

const MB = 1024 * 1024;

export class IdleMemoryRelease {
  private timer: NodeJS.Timeout | undefined;
  private seen = 0;
  private quietSince = 0;
  private stopped = false;
  private done = 0;

  constructor(private readonly options: IdleReleaseOptions) {}

  /** Releases made so far. */
  get releases(): number {
    return this.done;
  }

  /** After a resync: release once the service has been quiet for idleMs. */
  arm(): void {
    if (this.stopped || this.options.idleMs === 0) return;
    clearTimeout(this.timer);
    this.seen = this.options.activity();
    this.quietSince = performance.now();
    this.wait();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  // Looked at four times per quiet period: the release comes idleMs to 1.25 idleMs after the last work.
  private wait(): void {
    this.timer = setTimeout(() => this.check(), Math.max(1, Math.ceil(this.options.idleMs / 4)));
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.options.activity();
    if (now !== this.seen) {
      this.seen = now;
      this.quietSince = performance.now();
    }
    if (performance.now() - this.quietSince < this.options.idleMs) return this.wait();
    this.options.release().then(
      (r) => {
        this.done++;
        this.options.log.info(
          { rssMb: [round(r.rssBefore / MB), round(r.rssAfter / MB)], heapMb: [round(r.heapBefore / MB), round(r.heapAfter / MB)], ms: round(r.ms) },
          "idle: unused heap memory returned to the OS",
        );
      },
      (error: unknown) => this.options.log.warn({ err: error instanceof Error ? error.message : String(error) }, "idle: heap memory release failed"),
    );
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
