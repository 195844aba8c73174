// A per-subscriber async iterator: events in order; when a slow consumer falls more than maxQueue
// behind, older queued states of the same key are dropped so it gets the latest state per agent.
export class SubscriberQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: Array<(result: IteratorResult<T>) => void> = [];
  private done = false;
  dropped = 0;

  constructor(
    private readonly keyOf: (item: T) => string | null,
    private readonly maxQueue: number,
    private readonly onClose: () => void,
  ) {}

  push(item: T): void {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return;
    }
    this.buffer.push(item);
    if (this.buffer.length > this.maxQueue) this.compact();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
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
