// AMI ingest beside its floor, in one run: the recorded live events of 2,000 agents (bench/procs/
// ami-replay.ts) written to the service as fast as it reads them, until it has handled every one;
// then the same bytes to a bare frame splitter (bench/procs/frame-splitter.ts). Events per CPU-second
// of each process and their ratio. Then queries while the AMI stream runs at half the rate the service
// just reached: an open-loop probe (bench/procs/probe.ts) reading agent(extension) every few ms.
import { loadavg } from "node:os";
import { nowMs, sleep } from "../lib/clock.ts";
import { startChild, type Child } from "../lib/rpc.ts";
import { readSchedstat } from "../lib/proc-usage.ts";
import { median } from "../lib/stats.ts";
import { summarizeProfile } from "../lib/summarize-profile.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";
import { startServiceUnderTest, type ServiceUnderTest } from "../lib/service-under-test.ts";
import type { ProbeOptions, ProbeResult } from "../procs/probe.ts";

const INGEST_TARGET = 60_000;
const P99_TARGET_MS = 20;
/** A fixed ingest rate for the query probe, beside half of saturation (which moves with our speed). */
const FIXED_RATE = 20_000;

const SIZES = {
  quick: { replays: 1, reps: 1, probeSeconds: 2, probeIntervalMs: 10 },
  full: { replays: 3, reps: 3, probeSeconds: 8, probeIntervalMs: 10 },
};

interface IngestRun {
  events: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/** The profile's top self times and longest busy stretches, one line for the results' notes. */
export function profileNote(what: string, file: string): string {
  const lines = summarizeProfile(file, 8);
  const self = lines.slice(lines.indexOf("self") + 1, lines.indexOf("inclusive")).map((l) => l.trim().replace(/\s+/g, " "));
  const stretches = lines.slice(lines.findIndex((l) => l.startsWith("longest")) + 1, lines.findIndex((l) => l.startsWith("longest")) + 4).map((l) => l.trim().replace(/\s+/g, " "));
  return `${what}: CPU profile ${file.replace(/.*\/bench\//, "bench/")} (${lines[0]}); top self time: ${self.join(", ")}; longest busy stretches: ${stretches.join(", ")}.`;
}

export const loadNote = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;

async function handled(sut: ServiceUnderTest): Promise<number> {
  const status = await sut.amiStatus();
  return status.eventsProcessed + status.eventsIgnored;
}

/** Writes the recording `replays` times and waits until the service has handled every event. */
export async function blast(sut: ServiceUnderTest, replays: number): Promise<IngestRun> {
  const before = await handled(sut);
  const usage = sut.usage();
  const { events, startedAt } = await sut.source.call<{ events: number; startedAt: number }>("blast", replays);
  const deadline = nowMs() + 120_000;
  while ((await handled(sut)) < before + events) {
    if (nowMs() > deadline) throw new Error(`ingest: ${events} events not handled within 120 s`);
    await sleep(20); // each look costs the service an IPC round trip: not too often
  }
  const doneAt = Date.now();
  const after = sut.usage();
  return { events, cpuSeconds: after.cpuSeconds - usage.cpuSeconds, wallSeconds: (doneAt - startedAt) / 1000 };
}

interface LoadedProbe {
  during: ProbeResult;
  /** Bare node:http probed in the same window by a probe of its own: what the loaded machine adds to any server. */
  floor: ProbeResult;
  cpu: number;
  blocked: { p50: number; p99: number; max: number } | null;
  /** Shares of the window the main thread was on a CPU and runnable but waiting for one (null: not Linux). */
  sched: { onCpu: number; waiting: number } | null;
  text: string;
}

/** The probe while the AMI source sends `rate` events/s; with the service's CPU and event-loop delay meanwhile. */
async function queriesWhileIngesting(sut: ServiceUnderTest, probe: Child, floorProbe: { probe: Child; port: number }, options: ProbeOptions, rate: number, profileLabel: string | null, notes: string[]): Promise<LoadedProbe> {
  const loaded = probe.call<ProbeResult>("run", options);
  const floorLoaded = floorProbe.probe.call<ProbeResult>("run", { ...options, port: floorProbe.port });
  const paced = sut.source.call<{ events: number; seconds: number }>("paced", { eventsPerSecond: rate, seconds: options.seconds });
  const usage = sut.usage();
  const sched0 = readSchedstat(sut.service.pid);
  await sut.service.call("loopDelayStart");
  if (profileLabel) await sut.service.call("profileStart");
  const [during, sent, floor] = await Promise.all([loaded, paced, floorLoaded]);
  const blocked = await sut.service.call<LoadedProbe["blocked"]>("loopDelayStop");
  const sched1 = readSchedstat(sut.service.pid);
  const sched = sched0 && sched1 ? { onCpu: (sched1.onCpu - sched0.onCpu) / 1e9 / sent.seconds, waiting: (sched1.waiting - sched0.waiting) / 1e9 / sent.seconds } : null;
  if (profileLabel) notes.push(profileNote("queries while ingesting", await sut.service.call<string>("profileStop", profileLabel)));
  const cpu = (100 * (sut.usage().cpuSeconds - usage.cpuSeconds)) / sent.seconds;
  const text =
    `${fmt.rate(sent.events / sent.seconds, "events/s")} sent, ${during.latency.count} samples, p50 ${fmt.ms(during.latency.p50)}, p99 ${fmt.ms(during.latency.p99)}, ` +
    `max ${fmt.ms(during.latency.max)}, service CPU ${fmt.pct(cpu)}` +
    (blocked ? `, its event-loop delay p50 ${fmt.ms(blocked.p50)}, p99 ${fmt.ms(blocked.p99)}, max ${fmt.ms(blocked.max)}` : "") +
    (sched ? `, its main thread on a CPU ${fmt.pct(100 * sched.onCpu)} and waiting for one ${fmt.pct(100 * sched.waiting)} of the time` : "") +
    `; bare node:http probed at the same time p50 ${fmt.ms(floor.latency.p50)}, p99 ${fmt.ms(floor.latency.p99)}, max ${fmt.ms(floor.latency.max)}` +
    `, ${loadNote()}` +
    (during.errors ? `, ${during.errors} errors (first: ${during.firstError})` : "");
  return { during, floor, cpu, blocked, sched, text };
}

export async function ingest(sizes: Sizes, notes: string[]): Promise<Row[]> {
  const size = SIZES[sizes.mode];
  // No write log: nothing here times event → DB, and its insert per written row was PostgreSQL's load, not ours.
  const sut = await startServiceUnderTest("real", "ingest", { first: 1000, count: 2000, busyShare: 0.75, backend: "simulator" }, "ami-replay", { logWrites: false });
  const splitter = await startChild("frame-splitter", "ingest-floor");
  const probe = await startChild("probe", "ingest-probe");
  // The floor of a probe's latency on this loaded machine: bare node:http, probed at the same time.
  const bare = await startChild("bare-http", "ingest-bare-http");
  const floorProbe = await startChild("probe", "ingest-floor-probe");
  try {
    const { port: barePort } = await bare.call<{ port: number }>("start");
    const floorTarget = { probe: floorProbe, port: barePort };
    const recording = await sut.source.call<{ events: number; bytes: number }>("recordingSize");
    await blast(sut, 1); // warm-up: JIT, the write path's first batches
    const ours: IngestRun[] = [];
    const floor: IngestRun[] = [];
    const loads: string[] = [];
    // Alternating, so that both see the same machine.
    const profile = Boolean(process.env.BENCH_CPU_PROF);
    for (let rep = 0; rep < size.reps; rep++) {
      loads.push(loadNote());
      if (profile && rep === 0) await sut.service.call("profileStart");
      ours.push(await blast(sut, size.replays));
      if (profile && rep === 0) notes.push(profileNote("ingest at saturation", await sut.service.call<string>("profileStop", "ingest-saturation")));
      const server = await sut.source.call<{ host: string; port: number; events: number }>("serveFloor", size.replays);
      floor.push(await splitter.call<IngestRun>("split", { host: server.host, port: server.port }));
    }
    const perCpu = (r: IngestRun) => r.events / Math.max(r.cpuSeconds, 0.01);
    const perWall = (r: IngestRun) => r.events / r.wallSeconds;
    const oursCpu = median(ours.map(perCpu));
    const oursWall = median(ours.map(perWall));
    const floorCpu = median(floor.map(perCpu));

    // Queries while ingesting at half of what the service just reached (events/s of wall time).
    const body = JSON.stringify({ query: "query Agent($e: ID!) { agent(extension: $e) { extension name status online available } }", variables: { e: "1000" } });
    const probeOptions: ProbeOptions = { host: "127.0.0.1", port: sut.port, body, intervalMs: size.probeIntervalMs, seconds: size.probeSeconds };
    const idle = await probe.call<ProbeResult>("run", probeOptions);
    const halfRate = Math.round(oursWall / 2);
    const half = await queriesWhileIngesting(sut, probe, floorTarget, probeOptions, halfRate, profile ? "ingest-half-rate" : null, notes);
    // The same at a fixed rate: half of saturation grows as ingest gets faster (21,000 /s on 2026-11-30's first full runs).
    const fixed = await queriesWhileIngesting(sut, probe, floorTarget, probeOptions, FIXED_RATE, null, notes);

    notes.push(
      `ingest: ${recording.events.toLocaleString("en-US")} recorded events (${fmt.mb(recording.bytes)}) replayed ${size.replays}× per run, ${size.reps} run(s); ` +
        `ours ${ours.map((r) => `${fmt.rate(perCpu(r), "/CPU-s")} (${fmt.rate(perWall(r), "/s wall")})`).join(", ")}; ` +
        `floor ${floor.map((r) => fmt.rate(perCpu(r), "/CPU-s")).join(", ")}; ${loads.join("; ")}.`,
      `queries while ingesting (a probe every ${size.probeIntervalMs} ms; idle just before: p50 ${fmt.ms(idle.latency.p50)}, p99 ${fmt.ms(idle.latency.p99)}): ` +
        `at half of ${fmt.rate(oursWall, "/s")}: ${half.text}; at ${fmt.rate(FIXED_RATE, "/s")}: ${fixed.text}.`,
    );
    const limitNote = "profile with BENCH_CPU_PROF=1 (bench/.logs/*.cpuprofile): the AMI reader, normalize, the tracker and the write path share the service's one thread.";
    return [
      {
        scenario: "AMI ingest, 2,000 agents (recorded live events)",
        figure: "events per service CPU-second",
        target: `≥ ${fmt.rate(INGEST_TARGET, "/s")}`,
        measured: fmt.rate(oursCpu, "/CPU-s"),
        met: oursCpu >= INGEST_TARGET,
        baseline: `floor ${fmt.rate(floorCpu, "/CPU-s")}`,
        ratio: `${(oursCpu / floorCpu).toFixed(3)} of floor`,
        limit: limitNote,
      },
      { scenario: "", figure: "events/s until all handled (wall)", target: "", measured: fmt.rate(oursWall, "/s"), met: null, baseline: "", ratio: "" },
      {
        scenario: "",
        figure: `query p99 while ingesting ${fmt.rate(halfRate, "/s")} (half of saturation)`,
        target: `≤ ${P99_TARGET_MS} ms`,
        measured: fmt.ms(half.during.latency.p99),
        met: half.during.errors === 0 && half.during.latency.p99 <= P99_TARGET_MS,
        baseline: `idle ${fmt.ms(idle.latency.p99)}`,
        ratio: "",
        floor: fmt.ms(half.floor.latency.p99),
        vsFloor: `${(half.during.latency.p99 / half.floor.latency.p99).toFixed(1)}× floor`,
        limit:
          `p50 ${fmt.ms(half.during.latency.p50)}, max ${fmt.ms(half.during.latency.max)}; service CPU ${fmt.pct(half.cpu)}; ` +
          (half.blocked ? `the service's own event-loop delay p99 ${fmt.ms(half.blocked.p99)}, max ${fmt.ms(half.blocked.max)}; ` : "") +
          (half.sched ? `its main thread on a CPU ${fmt.pct(100 * half.sched.onCpu)} of the time and runnable but waiting for a CPU ${fmt.pct(100 * half.sched.waiting)} (schedstat: PostgreSQL, the GC's helper threads and the load generators hold both cores); ` : "") +
          `bare node:http probed at the same time (the floor): p99 ${fmt.ms(half.floor.latency.p99)}, max ${fmt.ms(half.floor.latency.max)}: what the loaded machine adds to any server's answer ` +
          "(the service, PostgreSQL, the AMI source and the probes share 2 cores); AMI messages are handled AMI_MESSAGES_PER_TURN per event-loop turn.",
      },
      {
        scenario: "",
        figure: `query p99 while ingesting ${fmt.rate(FIXED_RATE, "/s")}`,
        target: "",
        measured: fmt.ms(fixed.during.latency.p99),
        met: null,
        baseline: "",
        ratio: "",
        floor: fmt.ms(fixed.floor.latency.p99),
        vsFloor: `${(fixed.during.latency.p99 / fixed.floor.latency.p99).toFixed(1)}× floor`,
      },
    ];
  } finally {
    await Promise.all([splitter.stop(), probe.stop(), bare.stop(), floorProbe.stop()]);
    await sut.stop();
  }
}
