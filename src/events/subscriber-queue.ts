// A per-subscriber async iterator: events in order; when a slow consumer falls more than maxQueue
// behind, older queued states of the same key are dropped so it gets the latest state per agent.
// A queue still long after that (more agents than maxQueue) is scanned again only once it has doubled,
// so a push stays O(1) amortized however far behind the consumer is.
//
// A consumer that can take items synchronously (the WebSocket writer of src/events/shared-execution.ts)
// attaches a sink instead of calling next(): each push goes straight to it, no promise per item. When
// the sink says it is full (its socket is backed up), items queue here as for a slow next() consumer,
// with the same compaction, until it calls resume().
export class SubscriberQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: Array<(result: IteratorResult<T>) => void> = [];
  private done = false;
  private compactAt: number;
  private sink: ((item: T) => boolean) | null = null;
  private onEnd: (() => void) | null = null;
  private paused = false;
  dropped = 0;

  constructor(
    private readonly keyOf: (item: T) => string | null,
    private readonly maxQueue: number,
    private readonly onClose: () => void,
  ) {
    this.compactAt = maxQueue;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.sink && !this.paused && this.buffer.length === 0) {
      if (!this.sink(item)) this.paused = true;
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return;
    }
    this.buffer.push(item);
    if (this.buffer.length > this.compactAt) {
      this.compact();
      this.compactAt = this.buffer.length < this.maxQueue ? this.maxQueue : 2 * this.buffer.length;
    }
  }

  /**
   * From now on hand items to `sink` as they come (those already queued first), instead of through
   * next(). `sink` returns false when it cannot take more for now: items queue until resume().
   * `onEnd` is called once when the queue closes.
   */
  attach(sink: (item: T) => boolean, onEnd: () => void): void {
    this.sink = sink;
    this.onEnd = onEnd;
    if (this.done) onEnd();
    else this.resume();
  }

  /** The sink can take items again: hand it what queued meanwhile, in order. */
  resume(): void {
    this.paused = false;
    while (this.sink && !this.paused && !this.done && this.buffer.length > 0) {
      if (this.buffer.length <= this.maxQueue) this.compactAt = this.maxQueue; // caught up again
      if (!this.sink(this.buffer.shift()!)) this.paused = true;
    }
  }

  /** Items waiting for the consumer. */
  get length(): number {
    return this.buffer.length;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      if (this.buffer.length <= this.maxQueue) this.compactAt = this.maxQueue; // caught up again
      return Promise.resolve({ value: this.buffer.shift()!, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.buffer.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
    this.onClose();
    this.onEnd?.();
  }

  /** Keep only the last item per key (items without a key are kept), preserving order. */
  private compact(): void {
    const lastIndex = new Map<string, number>();
    this.buffer.forEach((item, index) => {
      const key = this.keyOf(item);
      if (key !== null) lastIndex.set(key, index);
    });
    const kept = this.buffer.filter((item, index) => {
      const key = this.keyOf(item);
      return key === null || lastIndex.get(key) === index;
    });
    this.dropped += this.buffer.length - kept.length;
    this.buffer.splice(0, this.buffer.length, ...kept);
  }
}
