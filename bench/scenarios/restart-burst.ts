// Asterisk restart burst: every one of 5,000 contacts changes at once (one event each, one write);
// the time until the database and every subscriber hold the new state of every agent.
import { takeWrites } from "../lib/bench-database.ts";
import { nowMs, sleep } from "../lib/clock.ts";
import { storeLatency } from "../lib/event-latency.ts";
import { cpuPercent } from "../lib/proc-usage.ts";
import { startChild } from "../lib/rpc.ts";
import { median } from "../lib/stats.ts";
import { fmt, type Row } from "../lib/table.ts";
import { profileNote } from "./ingest.ts";
import type { Sizes } from "../lib/sizes.ts";
import { waitForWritesToSettle, type ServiceUnderTest } from "../lib/service-under-test.ts";
import type { SentEvents } from "../procs/ami-source.ts";

interface BurstRun {
  /** The source's own share: all events queued, then all taken by the service's socket (ms after the flip began). */
  queuedMs: number;
  flushedMs: number;
  amiEvents: number;
  notStored: number;
  storeMs: number;
  subscribersMs: number;
  cpu: number;
  /** The service's CPU seconds from the flip until store and subscribers agreed and writes settled. */
  cpuSeconds: number;
}

async function measure(sut: ServiceUnderTest, sizes: Sizes, notes: string[]): Promise<BurstRun[]> {
  const { subscribers, teamSize, contacts, timeoutMs } = sizes.burst;
  const clients = await startChild("subscribers", `burst-${sut.variant}`);
  try {
    await clients.call("connect", { url: `ws://127.0.0.1:${sut.port}/graphql`, count: subscribers, teamSize, first: 1000, agents: contacts, parallel: 50 });
    const runs: BurstRun[] = [];
    for (let rep = 0; rep < sizes.reps; rep++) {
      await clients.call("reset");
      await takeWrites(sut.db);
      const before = sut.usage();
      // BENCH_CPU_PROF=1: a CPU profile of our first burst (bench/.logs/burst.cpuprofile).
      const profile = Boolean(process.env.BENCH_CPU_PROF) && rep === 0 && sut.variant === "real";
      if (profile) await sut.service.call("profileStart");
      const sent = await sut.source.call<SentEvents>("flipAll", sut.extensions);
      const t0 = sent.sentAt[0]!;
      const expected = sent.extensions.map((e, i) => [e, sent.statuses[i]!] as [string, string]);
      let agreed: number | null = null;
      while (agreed === null && nowMs() - t0 < timeoutMs) {
        await sleep(100);
        agreed = await clients.call<number | null>("agreedAt", expected, t0);
      }
      await waitForWritesToSettle(sut.db, 300, Math.max(0, timeoutMs - (nowMs() - t0)));
      const after = sut.usage();
      if (profile) notes.push(profileNote("restart burst", await sut.service.call<string>("profileStop", "burst")));
      const store = storeLatency(sent, await takeWrites(sut.db), Infinity, nowMs());
      runs.push({ queuedMs: (sent.queuedAt ?? t0) - t0, flushedMs: (sent.flushedAt ?? t0) - t0, amiEvents: sent.amiEvents, notStored: store.missing, storeMs: store.missing ? Number.NaN : store.lastStoredAt - t0, subscribersMs: agreed === null ? Number.NaN : agreed - t0, cpu: cpuPercent(before, after), cpuSeconds: after.cpuSeconds - before.cpuSeconds });
    }
    return runs;
  } finally {
    await clients.call("close").catch(() => undefined);
    await clients.stop();
  }
}

export async function restartBurst(real: ServiceUnderTest, naive: ServiceUnderTest, sizes: Sizes, notes: string[]): Promise<Row[]> {
  const ours = await measure(real, sizes, notes);
  const theirs = await measure(naive, { ...sizes, reps: 1 }, notes);
  // Agreement needs both; NaN (never, within the timeout) wins over any number.
  const agree = (r: BurstRun) => (Number.isNaN(r.storeMs) || Number.isNaN(r.subscribersMs) ? Number.NaN : Math.max(r.storeMs, r.subscribersMs));
  const oursMs = median(ours.map(agree));
  const theirsMs = agree(theirs[0]!);
  notes.push(
    `restart burst: ${sizes.burst.contacts} contacts flipped in one write, ${sizes.burst.subscribers} subscribers in teams of ${sizes.burst.teamSize}; ` +
      `ours: store ${fmt.s(median(ours.map((r) => r.storeMs)))}, subscribers ${fmt.s(median(ours.map((r) => r.subscribersMs)))}; ` +
      `${ours.map((r) => r.notStored).join("/")} states not stored (ours), ${theirs[0]!.notStored} (baseline); ` +
      `${ours[0]!.amiEvents.toLocaleString("en-US")} AMI events per burst, queued by the source in ${fmt.s(median(ours.map((r) => r.queuedMs)))} and taken by our socket ${fmt.s(median(ours.map((r) => r.flushedMs)))} after the burst began; service CPU per burst ${ours.map((r) => fmt.s(r.cpuSeconds * 1000)).join("/")}; ` +
      `baseline: store ${fmt.s(theirs[0]!.storeMs)}, subscribers ${fmt.s(theirs[0]!.subscribersMs)} (n/a = not within ${fmt.s(sizes.burst.timeoutMs)}).`,
  );
  return [
    {
      scenario: `Asterisk restart burst, ${sizes.burst.contacts.toLocaleString("en-US")} contacts re-announced`,
      figure: "until store and subscribers agree",
      target: "< 2 s",
      measured: fmt.s(oursMs),
      met: oursMs < 2000,
      baseline: Number.isNaN(theirsMs) ? `> ${fmt.s(sizes.burst.timeoutMs)}` : fmt.s(theirsMs),
      ratio: fmt.ratio(oursMs, Number.isNaN(theirsMs) ? sizes.burst.timeoutMs : theirsMs, false),
      limit: `store ${fmt.s(median(ours.map((r) => r.storeMs)))}, subscribers ${fmt.s(median(ours.map((r) => r.subscribersMs)))} (the later of the two counts).`,
    },
    { scenario: "", figure: "service CPU during the burst", target: "", measured: fmt.pct(median(ours.map((r) => r.cpu))), met: null, baseline: fmt.pct(theirs[0]!.cpu), ratio: "" },
  ];
}
