// Matches the AMI source's send log with the database's write log: an event is stored once a write of
// its extension carries a state the service applied no earlier than the event was sent (coalescing
// may fold several events into that write: last state wins).
import type { EndpointWrite } from "./bench-database.ts";
import { summarize, type LatencySummary } from "./stats.ts";
import type { SentEvents } from "../procs/ami-source.ts";

export interface StoreLatency {
  latency: LatencySummary;
  /** Events stored by `windowEnd` (epoch ms). */
  storedInWindow: number;
  /** Events never seen stored; counted in `latency` with (lastLook - sentAt) as a lower bound. */
  missing: number;
  /** When the last event was stored (epoch ms), NaN if some never were. */
  lastStoredAt: number;
}

export function storeLatency(sent: SentEvents, writes: readonly EndpointWrite[], windowEnd: number, lastLook: number): StoreLatency {
  const byExtension = new Map<string, EndpointWrite[]>();
  for (const write of writes) {
    let list = byExtension.get(write.extension);
    if (!list) byExtension.set(write.extension, (list = []));
    list.push(write);
  }
  const cursor = new Map<string, number>();
  const samples: number[] = [];
  let storedInWindow = 0;
  let missing = 0;
  let lastStoredAt = 0;
  for (let i = 0; i < sent.extensions.length; i++) {
    const extension = sent.extensions[i]!;
    const sentAt = sent.sentAt[i]!;
    const list = byExtension.get(extension) ?? [];
    let j = cursor.get(extension) ?? 0;
    while (j < list.length && !(list[j]!.updatedAt >= Math.floor(sentAt) && list[j]!.writtenAt >= sentAt)) j++;
    cursor.set(extension, j);
    if (j < list.length) {
      const at = list[j]!.writtenAt;
      samples.push(at - sentAt);
      if (at <= windowEnd) storedInWindow++;
      lastStoredAt = Math.max(lastStoredAt, at);
    } else {
      missing++;
      samples.push(lastLook - sentAt);
    }
  }
  return { latency: summarize(samples), storedInWindow, missing, lastStoredAt: missing ? Number.NaN : lastStoredAt };
}
