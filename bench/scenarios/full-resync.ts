// Full resync of 5,000 contacts: Asterisk's state changed without events (every agent), then a refresh
// (POST /api/ami/refresh: PJSIPShowEndpoints + PJSIPShowContacts + DeviceStateList) until the database
// holds every new state.
import { takeWrites } from "../lib/bench-database.ts";
import { nowMs } from "../lib/clock.ts";
import { storeLatency } from "../lib/event-latency.ts";
import { median } from "../lib/stats.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";
import { waitForWritesToSettle, type ServiceUnderTest } from "../lib/service-under-test.ts";
import { profileNote } from "./ingest.ts";

interface ResyncRun {
  appliedMs: number;
  storedMs: number;
}

async function measure(sut: ServiceUnderTest, sizes: Sizes, reps: number, notes: string[]): Promise<ResyncRun[]> {
  const runs: ResyncRun[] = [];
  for (let rep = 0; rep < reps; rep++) {
    await takeWrites(sut.db);
    const changed = await sut.source.call<Array<[string, string]>>("changeQuietly");
    // BENCH_CPU_PROF=1: a CPU profile of our first resync (bench/.logs/resync.cpuprofile).
    const profile = Boolean(process.env.BENCH_CPU_PROF) && rep === 0 && sut.variant === "real";
    if (profile) await sut.service.call("profileStart");
    const t0 = nowMs();
    const response = await fetch(`${sut.url}/api/ami/refresh`, { method: "POST", headers: { "content-type": "application/json" } });
    if (!response.ok) throw new Error(`refresh (${sut.variant}) answered ${response.status}: ${await response.text()}`);
    const applied = nowMs();
    await waitForWritesToSettle(sut.db, 300, sizes.resync.timeoutMs);
    const sent = { extensions: changed.map(([e]) => e), statuses: changed.map(([, s]) => s), sentAt: changed.map(() => t0), amiEvents: 0 };
    if (profile) notes.push(profileNote("full resync", await sut.service.call<string>("profileStop", "resync")));
    const stored = storeLatency(sent, await takeWrites(sut.db), Infinity, nowMs());
    runs.push({ appliedMs: applied - t0, storedMs: stored.missing ? Number.NaN : stored.lastStoredAt - t0 });
  }
  return runs;
}

export async function fullResync(real: ServiceUnderTest, naive: ServiceUnderTest, sizes: Sizes, notes: string[]): Promise<Row[]> {
  const ours = await measure(real, sizes, sizes.reps, notes);
  const theirs = await measure(naive, sizes, 1, notes);
  const oursMs = median(ours.map((r) => r.storedMs));
  const theirsMs = theirs[0]!.storedMs;
  notes.push(`full resync: the refresh answered after ${fmt.s(median(ours.map((r) => r.appliedMs)))} (ours) / ${fmt.s(theirs[0]!.appliedMs)} (baseline); the rest is writing.`);
  return [
    {
      scenario: `full resync of ${sizes.resync.contacts.toLocaleString("en-US")} contacts from AMI`,
      figure: "refresh → every state stored",
      target: "< 2 s",
      measured: fmt.s(oursMs),
      met: oursMs < 2000,
      baseline: Number.isNaN(theirsMs) ? `> ${fmt.s(sizes.resync.timeoutMs)}` : fmt.s(theirsMs),
      ratio: fmt.ratio(oursMs, Number.isNaN(theirsMs) ? sizes.resync.timeoutMs : theirsMs, false),
      limit: `the refresh (AMI lists, reconcile) answered after ${fmt.s(median(ours.map((r) => r.appliedMs)))}; the rest is writing ${sizes.resync.contacts} rows.`,
    },
  ];
}
