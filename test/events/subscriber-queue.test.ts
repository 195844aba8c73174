import { describe, expect, it } from "vitest";
import { SubscriberQueue } from "../../src/events/subscriber-queue.ts";

interface Item {
  key: string | null;
  n: number;
}

const queue = (maxQueue: number, onClose: () => void = () => undefined) => new SubscriberQueue<Item>((item) => item.key, maxQueue, onClose);
const drain = (q: SubscriberQueue<Item>) => {
  const items: Item[] = [];
  // Everything queued is handed out synchronously-resolved: read it all.
  return (async () => {
    while (q.length > 0) items.push((await q.next()).value as Item);
    return items;
  })();
};

describe("SubscriberQueue", () => {
  it("hands items out in order and to a waiting consumer at once", async () => {
    const q = queue(10);
    const waiting = q.next();
    q.push({ key: "a", n: 1 });
    expect(await waiting).toEqual({ value: { key: "a", n: 1 }, done: false });
    q.push({ key: "a", n: 2 });
    q.push({ key: "b", n: 3 });
    expect((await drain(q)).map((i) => i.n)).toEqual([2, 3]);
  });

  it("keeps only the latest item per key once a slow consumer is more than maxQueue behind, in order; keyless items stay", async () => {
    const q = queue(4);
    q.push({ key: null, n: 0 }); // e.g. a snapshot
    for (let n = 1; n <= 6; n++) q.push({ key: n % 2 ? "a" : "b", n });
    // 7 > 4: compacted to the snapshot and the last a (5) and b (6).
    expect((await drain(q)).map((i) => i.n)).toEqual([0, 5, 6]);
    expect(q.dropped).toBe(4);
  });

  it("stays cheap when more keys than maxQueue are queued: compacts again only after the queue doubled", async () => {
    const q = queue(2);
    for (let n = 0; n < 3; n++) q.push({ key: `k${n}`, n }); // 3 distinct keys: nothing to drop, next scan at 6
    for (let n = 3; n < 6; n++) q.push({ key: `k${n - 3}`, n }); // 6 items, not yet scanned again
    expect(q.length).toBe(6);
    q.push({ key: "k0", n: 6 }); // 7 > 6: compacted to k1 (4), k2 (5), k0 (6)
    expect((await drain(q)).map((i) => i.n)).toEqual([4, 5, 6]);
    // Caught up: the threshold is back to maxQueue.
    for (let n = 7; n < 10; n++) q.push({ key: "k0", n });
    expect((await drain(q)).map((i) => i.n)).toEqual([9]);
  });

  it("ends waiting consumers and drops what is queued when closed, once", async () => {
    let closed = 0;
    const q = queue(10, () => {
      closed++;
    });
    q.push({ key: "a", n: 1 });
    await q.return();
    q.close();
    expect(closed).toBe(1);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });
});
