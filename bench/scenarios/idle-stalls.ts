// Stalls at idle: with 2,000 agents synced and nothing happening, an open-loop probe reads
// agent(extension) every 100 ms (bench/procs/probe.ts). Whatever runs periodically (the users reload,
// the database health ping, cache expiry and reload, GC of big structures) shows as slow probes; the
// note lists when they were due, so their period gives away the culprit.
import { startChild } from "../lib/rpc.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";
import { startServiceUnderTest, type ServiceUnderTest } from "../lib/service-under-test.ts";
import { nowMs, sleep } from "../lib/clock.ts";
import type { ProbeOptions, ProbeResult } from "../procs/probe.ts";
import { loadNote, profileNote } from "./ingest.ts";

const P99_TARGET_MS = 10;
const SECONDS = { quick: 12, full: 40 };

async function waitForNames(sut: ServiceUnderTest): Promise<void> {
  const body = JSON.stringify({ query: '{ agent(extension: "1000") { name } }' });
  const deadline = nowMs() + 90_000;
  while (nowMs() < deadline) {
    const response = await fetch(`http://127.0.0.1:${sut.port}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const json = (await response.json()) as { data?: { agent?: { name: string | null } | null } };
    if (json.data?.agent?.name) return;
    await sleep(500);
  }
  throw new Error("idle: the users seeded by the bench were not loaded within 90 s");
}

export async function idleStalls(sizes: Sizes, notes: string[]): Promise<Row[]> {
  const sut = await startServiceUnderTest("real", "idle", { first: 1000, count: 2000, busyShare: 0.75, backend: "simulator" });
  const probe = await startChild("probe", "idle-probe");
  // The floor, probed at the same time: what this machine adds to any server's answer.
  const bare = await startChild("bare-http", "idle-bare-http");
  const floorProbe = await startChild("probe", "idle-floor-probe");
  try {
    const body = JSON.stringify({ query: "query Agent($e: ID!) { agent(extension: $e) { extension name status online available } }", variables: { e: "1000" } });
    const options: ProbeOptions = { host: "127.0.0.1", port: sut.port, body, intervalMs: 100, seconds: SECONDS[sizes.mode] };
    // The bench seeds the CRM's users after the service synced: their first reload (USERS_REFRESH_MS)
    // regroups all 2,000 agents at once, a change, not idling. A full run waits for it.
    if (sizes.mode === "full") await waitForNames(sut);
    // Warm-up: the first requests compile the query and load the cache; that is not idling.
    await probe.call<ProbeResult>("run", { ...options, seconds: 2 });
    const profile = Boolean(process.env.BENCH_CPU_PROF);
    if (profile) await sut.service.call("profileStart");
    const load = loadNote();
    const { port: barePort } = await bare.call<{ port: number }>("start");
    const [result, floor] = await Promise.all([probe.call<ProbeResult>("run", options), floorProbe.call<ProbeResult>("run", { ...options, port: barePort })]);
    if (profile) notes.push(profileNote("idle", await sut.service.call<string>("profileStop", "idle-probe")));
    const slow = result.slow.map(([at, ms]) => `${(at / 1000).toFixed(1)} s: ${ms} ms`).join(", ");
    notes.push(
      `idle probe: every 100 ms for ${options.seconds} s, ${result.latency.count} samples, p50 ${fmt.ms(result.latency.p50)}, p99 ${fmt.ms(result.latency.p99)}, max ${fmt.ms(result.latency.max)}; ` +
        `slower than 50 ms: ${slow || "none"}; the floor (bare node:http, probed at the same time): p50 ${fmt.ms(floor.latency.p50)}, p99 ${fmt.ms(floor.latency.p99)}, max ${fmt.ms(floor.latency.max)}; ${load}` +
        (result.errors ? `; ${result.errors} errors, first: ${result.firstError}` : "") + ".",
    );
    return [
      {
        scenario: "idle, 2,000 agents, a probe every 100 ms",
        figure: "agent(extension) p99",
        target: `≤ ${P99_TARGET_MS} ms`,
        measured: fmt.ms(result.latency.p99),
        met: result.errors === 0 && result.latency.p99 <= P99_TARGET_MS,
        baseline: `floor ${fmt.ms(floor.latency.p99)}`,
        ratio: `${(result.latency.p99 / floor.latency.p99).toFixed(1)}× floor`,
        limit: `max ${fmt.ms(result.latency.max)}; slow probes at ${slow || "none"}; bare node:http probed at the same time: p99 ${fmt.ms(floor.latency.p99)}, max ${fmt.ms(floor.latency.max)}.`,
      },
    ];
  } finally {
    await Promise.all([probe.stop(), bare.stop(), floorProbe.stop()]);
    await sut.stop();
  }
}
