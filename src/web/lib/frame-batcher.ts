// Collects items and hands them over once per animation frame: a burst of 2,000 deltas becomes one
// state update and one render, not 2,000.
export class FrameBatcher<T> {
  private items: T[] = [];
  private scheduled: number | null = null;

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly schedule: (callback: () => void) => number = (cb) => requestAnimationFrame(cb),
    private readonly cancel: (handle: number) => void = (handle) => cancelAnimationFrame(handle),
  ) {}

  push(item: T): void {
    this.items.push(item);
    this.scheduled ??= this.schedule(() => {
      this.scheduled = null;
      const items = this.items;
      this.items = [];
      this.flush(items);
    });
  }

  /** Drops what is queued (a resubscription: a new snapshot is coming). */
  clear(): void {
    this.items = [];
    if (this.scheduled !== null) this.cancel(this.scheduled);
    this.scheduled = null;
  }
}
