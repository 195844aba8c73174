// Memory under a long steady load (2,000 events/s): RSS sampled from /proc; "flat" = the trend after
// a warm-up (first fifth of the run) stays under 1 MB per minute.
import { readUsage } from "../lib/proc-usage.ts";
import { slope } from "../lib/stats.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";
import type { ServiceUnderTest } from "../lib/service-under-test.ts";

interface SoakRun {
  startRss: number;
  endRss: number;
  /** MB per minute after the warm-up. */
  trend: number;
}

async function soak(sut: ServiceUnderTest, rate: number, seconds: number, sampleEveryMs: number): Promise<SoakRun> {
  const samples: Array<[number, number]> = [];
  const t0 = Date.now();
  const sample = () => samples.push([(Date.now() - t0) / 60_000, readUsage(sut.service.pid).rssBytes / 1024 / 1024]);
  sample();
  const timer = setInterval(sample, sampleEveryMs);
  try {
    await sut.source.call("runFlips", { eventsPerSecond: rate, seconds, extensions: sut.extensions, record: false });
  } finally {
    clearInterval(timer);
  }
  sample();
  const warm = samples.filter(([minute]) => minute >= seconds / 60 / 5);
  return { startRss: samples[0]![1], endRss: samples[samples.length - 1]![1], trend: slope(warm) };
}

export async function memorySoak(real: ServiceUnderTest, naive: ServiceUnderTest, sizes: Sizes, notes: string[]): Promise<Row[]> {
  const { rate, seconds, baselineSeconds, sampleEveryMs } = sizes.soak;
  const ours = await soak(real, rate, seconds, sampleEveryMs);
  const theirs = await soak(naive, rate, baselineSeconds, sampleEveryMs);
  if (seconds < 120) notes.push("memory soak: too short in a quick run to judge a trend (shown, not judged).");
  notes.push(
    `memory soak: ours ${ours.startRss.toFixed(0)} → ${ours.endRss.toFixed(0)} MB over ${(seconds / 60).toFixed(1)} min; ` +
      `baseline ${theirs.startRss.toFixed(0)} → ${theirs.endRss.toFixed(0)} MB over ${(baselineSeconds / 60).toFixed(1)} min (a shorter run: it is only the comparison).`,
  );
  return [
    {
      scenario: `memory after ${seconds < 60 ? `${seconds} s` : `${Math.round(seconds / 60)} min`} at ${fmt.rate(rate, "events/s")}`,
      figure: "RSS trend after warm-up",
      target: "flat (< 1 MB/min)",
      measured: `${ours.trend >= 0 ? "+" : ""}${ours.trend.toFixed(2)} MB/min (RSS ${fmt.mb(ours.endRss * 1024 * 1024)})`,
      // Minutes are needed to tell a trend from the garbage collector's swings.
      met: seconds >= 120 ? ours.trend < 1 : null,
      baseline: `RSS ${theirs.startRss.toFixed(0)} → ${theirs.endRss.toFixed(0)} MB in ${baselineSeconds} s`,
      ratio: "",
    },
  ];
}
