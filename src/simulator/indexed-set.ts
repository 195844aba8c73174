// A set with O(1) add, delete and uniform random pick: the activity driver picks among thousands of
// agents per tick by state, so scanning them all each time would not scale.
import type { Random } from "./random.ts";

export class IndexedSet<T> {
  private readonly items: T[] = [];
  private readonly positions = new Map<T, number>();

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return this.positions.has(item);
  }

  add(item: T): void {
    if (this.positions.has(item)) return;
    this.positions.set(item, this.items.length);
    this.items.push(item);
  }

  delete(item: T): void {
    const position = this.positions.get(item);
    if (position === undefined) return;
    const last = this.items.pop() as T;
    this.positions.delete(item);
    if (position < this.items.length) {
      this.items[position] = last;
      this.positions.set(last, position);
    }
  }

  /** A uniformly chosen member, or undefined when empty. */
  pick(random: Random): T | undefined {
    return this.items.length === 0 ? undefined : this.items[Math.floor(random.next() * this.items.length)];
  }

  values(): readonly T[] {
    return this.items;
  }
}
