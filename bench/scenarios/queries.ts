// `agent(extension)` and `availableAgents` over HTTP against 2,000 agents (~500 available): closed-loop
// load from a separate process, requests/s and p99. Baseline: the naive service reads the database per request.
// Floors (bench/floors), same load and run: a bare node:http + graphql-js server (the ratio's floor)
// and bare Apollo Server (a note), both answering from memory.
import { startChild, type Child } from "../lib/rpc.ts";
import { cpuPercent } from "../lib/proc-usage.ts";
import { median } from "../lib/stats.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";
import type { ServiceUnderTest } from "../lib/service-under-test.ts";
import type { HttpLoadOptions, HttpLoadResult } from "../procs/http-load.ts";
import { startFloor } from "../lib/floor.ts";
import type { Usage } from "../lib/proc-usage.ts";

interface QueryCase {
  name: string;
  /** What a request costs the service, for the limit note of a missed figure. */
  work: string;
  bodies: (extensions: string[]) => string[];
  rpsTarget: number;
  p99TargetMs: number;
  /** Ours ÷ the graphql-js floor at least this (issue 13). */
  floorTarget?: number;
}

const CASES: QueryCase[] = [
  {
    name: "agent(extension), 2,000 agents",
    bodies: (extensions) =>
      extensions.map((e) => JSON.stringify({ query: "query Agent($e: ID!) { agent(extension: $e) { extension name status online available } }", variables: { e } })),
    rpsTarget: 5000,
    p99TargetMs: 10,
    floorTarget: 1.0,
    work: "each request runs Apollo's request pipeline, graphql-js and the JSON response on the service's one thread"
  },
  {
    name: "availableAgents, 2,000 agents (~500 available)",
    bodies: () => [JSON.stringify({ query: "query Available { availableAgents { extension name status } }" })],
    rpsTarget: 5000,
    p99TargetMs: 50,
    work: "each request runs Apollo's request pipeline and answers ~500 agents on the service's one thread"
  },
];

interface Measured {
  rps: number;
  p99: number;
  errors: number;
  cpu: number;
  firstError: string | null;
}

async function measure(load: Child, sut: { port: number; usage(): Usage }, bodies: string[], sizes: Sizes): Promise<Measured> {
  {
    const options: HttpLoadOptions = { host: "127.0.0.1", port: sut.port, path: "/graphql", bodies, connections: sizes.queries.connections, seconds: Math.min(1, sizes.queries.seconds / 2) };
    await load.call("run", options); // warm-up: JIT, caches, connections
    const runs: Array<HttpLoadResult & { cpu: number }> = [];
    for (let rep = 0; rep < sizes.reps; rep++) {
      const before = sut.usage();
      const result = await load.call<HttpLoadResult>("run", { ...options, seconds: sizes.queries.seconds });
      runs.push({ ...result, cpu: cpuPercent(before, sut.usage()) });
    }
    return {
      rps: median(runs.map((r) => r.rps)),
      p99: median(runs.map((r) => r.latency.p99)),
      errors: runs.reduce((s, r) => s + r.errors, 0),
      cpu: median(runs.map((r) => r.cpu)),
      firstError: runs.find((r) => r.firstError)?.firstError ?? null,
    };
  }
}

export async function queries(real: ServiceUnderTest, naive: ServiceUnderTest, sizes: Sizes, notes: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const [sample] = await real.db.query<{ n: string }>("SELECT count(*) AS n FROM ps_endpoints WHERE available");
  notes.push(`queries: ${sample?.n} of ${real.extensions.length} agents available during the availableAgents run.`);
  const load = await startChild("http-load", "queries-load");
  const floorOptions = { first: Number(real.extensions[0]), agents: real.extensions.length };
  const [floor, apollo] = await Promise.all([startFloor("graphql-js", "queries", floorOptions), startFloor("bare-apollo", "queries", floorOptions)]);
  try {
    for (const c of CASES) {
      const bodies = c.bodies(real.extensions);
      const ours = await measure(load, real, bodies, sizes);
      const bare = await measure(load, floor, bodies, sizes);
      const bareApollo = await measure(load, apollo, bodies, sizes);
      const theirs = await measure(load, naive, bodies, sizes);
      if (bare.errors || bareApollo.errors) throw new Error(`${c.name}: the floors failed requests: ${bare.firstError ?? bareApollo.firstError}`);
      notes.push(
        `${c.name}: graphql-js floor ${fmt.rate(bare.rps, "rps")} (p99 ${fmt.ms(bare.p99)}, CPU ${fmt.pct(bare.cpu)}); ` +
          `bare Apollo Server ${fmt.rate(bareApollo.rps, "rps")} (p99 ${fmt.ms(bareApollo.p99)}, CPU ${fmt.pct(bareApollo.cpu)}); ours ÷ bare Apollo ${fmt.vsFloor(ours.rps, bareApollo.rps)}.`,
      );
      if (ours.errors) throw new Error(`${c.name}: ${ours.errors} failed requests, first: ${ours.firstError}`);
      if (theirs.errors) notes.push(`${c.name}, baseline: ${theirs.errors} failed requests (${theirs.firstError}).`);
      const limit =
        `service CPU ${fmt.pct(ours.cpu)}${ours.cpu >= 90 ? " (its one thread saturated; the closed-loop load generator and PostgreSQL share the other core)" : ""}: ` +
        `${c.work}; BENCH_CPU_PROF=1 writes a CPU profile of each service to bench/.logs.`;
      rows.push(
        { scenario: c.name, figure: "requests/s", target: `≥ ${fmt.rate(c.rpsTarget, "rps")}`, measured: fmt.rate(ours.rps, "rps"), met: ours.rps >= c.rpsTarget, baseline: fmt.rate(theirs.rps, "rps"), ratio: fmt.ratio(ours.rps, theirs.rps, true), floor: fmt.rate(bare.rps, "rps"), vsFloor: fmt.vsFloor(ours.rps, bare.rps), limit },
        ...(c.floorTarget
          ? [{ scenario: "", figure: "requests/s ÷ graphql-js floor", target: `≥ ${c.floorTarget.toFixed(2)}×`, measured: fmt.vsFloor(ours.rps, bare.rps), met: ours.rps >= c.floorTarget * bare.rps, baseline: "", ratio: "", limit }]
          : []),
        { scenario: "", figure: "p99 latency", target: `≤ ${c.p99TargetMs} ms`, measured: fmt.ms(ours.p99), met: ours.p99 <= c.p99TargetMs, baseline: fmt.ms(theirs.p99), ratio: fmt.ratio(ours.p99, theirs.p99, false), floor: fmt.ms(bare.p99), limit },
        { scenario: "", figure: "service CPU", target: "", measured: fmt.pct(ours.cpu), met: null, baseline: fmt.pct(theirs.cpu), ratio: "", floor: fmt.pct(bare.cpu) },
      );
    }
  } finally {
    await Promise.all([load.stop(), floor.stop(), apollo.stop()]);
  }
  return rows;
}
