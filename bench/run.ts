// `npm run bench [-- --quick] [-- --only=<scenario,...>]`: drives the real service (its own process,
// AMI over TCP from another process, real PostgreSQL, HTTP and graphql-ws load from other processes)
// and the naive baseline in the same run, prints one table and writes bench/RESULTS.md (a full run of every
// scenario) or bench/.results/<quick|only-…>.md (anything less, so CI never overwrites the committed figures).
// Exits 0 when targets are missed (the table says so); only a crash or an error fails the run.
import { parseArgs } from "./lib/args.ts";
import { describeMachine } from "./lib/machine.ts";
import { writeResults } from "./lib/results-file.ts";
import { startServiceUnderTest, type ServiceUnderTest } from "./lib/service-under-test.ts";
import { sizesFor } from "./lib/sizes.ts";
import type { AgentSpec } from "./lib/ami-load-source.ts";
import { limits, renderText, type Row } from "./lib/table.ts";
import { queries } from "./scenarios/queries.ts";
import { fanout } from "./scenarios/fanout.ts";
import { memorySoak } from "./scenarios/memory-soak.ts";
import { sustainedLoad } from "./scenarios/sustained-load.ts";
import { fullResync } from "./scenarios/full-resync.ts";
import { restartBurst } from "./scenarios/restart-burst.ts";
import { coldStart } from "./scenarios/cold-start.ts";
import { ingest } from "./scenarios/ingest.ts";
import { idleStalls } from "./scenarios/idle-stalls.ts";
import { idleRss } from "./scenarios/idle-rss.ts";
import { clusterScenario } from "./scenarios/cluster.ts";

const SCENARIOS = ["coldstart", "queries", "fanout", "soak", "sustained", "burst", "resync", "ingest", "idle", "rss", "cluster"] as const;
// Scenarios that start their own services (registered here, run after the paired ones).
const OWN_SERVICES = { ingest, idle: idleStalls, rss: idleRss, cluster: clusterScenario } as const;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sizes = sizesFor(args.quick);
  const wanted = (name: (typeof SCENARIOS)[number]) => !args.only || args.only.has(name);
  const started = Date.now();
  const machine = await describeMachine();
  const say = (text: string) => process.stdout.write(`${text.startsWith("·") ? `[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ` : ""}${text}\n`);
  say(`bench (${sizes.mode}): ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, PostgreSQL ${machine.postgres}`);

  const rows: Row[] = [];
  const notes: string[] = [];
  let source = "";
  const running: ServiceUnderTest[] = [];
  const pair = async (label: string, agents: number, busyShare: number, backend: AgentSpec["backend"]) => {
    const spec: AgentSpec = { first: 1000, count: agents, busyShare, backend };
    // Started side by side: start-up (module loading, migrations) is most of a quick run otherwise.
    say(`· starting services (${label})`);
    const [real, naive] = await Promise.all([startServiceUnderTest("real", label, spec), startServiceUnderTest("naive", label, spec)]);
    running.push(real, naive);
    if (!source.includes(real.backend)) source += `${source ? "; " : ""}${real.backend}`;
    return { real, naive };
  };
  const stop = async (...services: ServiceUnderTest[]) => {
    say("· stopping services");
    for (const sut of services) running.splice(running.indexOf(sut), 1);
    await Promise.all(services.map((s) => s.stop()));
  };
  // A failing scenario is reported and fails the run, after the others have been measured.
  const failures: string[] = [];
  const guard = async (name: string, scenario: () => Promise<Row[]>) => {
    try {
      rows.push(...(await scenario()));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`${name}: ${message}`);
      say(`  ${name} FAILED: ${message}`);
      rows.push({ scenario: name, figure: "ERROR", target: "", measured: message.split("\n")[0]!.slice(0, 80), met: false, baseline: "", ratio: "" });
    }
  };
  const stopAll = async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  };

  // Quick runs share the first pair for the burst and start the resync pair alongside it: start-up
  // (module loading, migrations, first sync) would otherwise be most of a CI run.
  const burstOnFirstPair = sizes.burst.contacts === sizes.queries.agents;
  const startResyncPair = () => pair("resync", sizes.resync.contacts, 0.5, "peer");
  let resyncPair: ReturnType<typeof startResyncPair> | undefined;
  try {
    // Scenarios ordered so that each finds the state it needs: queries on the fresh ~25 % available,
    // the baseline's backlog-building load last.
    // First, alone: a start is measured on a machine that is not also running the other services.
    if (wanted("coldstart")) {
      say("· coldstart");
      await guard("coldstart", () => coldStart(sizes, notes));
    }
    const onFirstPair = SCENARIOS.filter((name) => wanted(name) && name !== "coldstart" && name !== "resync" && !(name in OWN_SERVICES) && (name !== "burst" || burstOnFirstPair));
    if (sizes.mode === "quick" && wanted("resync")) resyncPair = startResyncPair();
    if (onFirstPair.length) {
      const { real, naive } = await pair("a2k", sizes.queries.agents, 0.75, "simulator");
      for (const name of onFirstPair) {
        say(`· ${name}`);
        if (name === "queries") await guard(name, () => queries(real, naive, sizes, notes));
        if (name === "fanout") await guard(name, () => fanout(real, naive, sizes, notes));
        if (name === "soak") await guard(name, () => memorySoak(real, naive, sizes, notes));
        if (name === "sustained") await guard(name, () => sustainedLoad(real, naive, sizes, notes));
        if (name === "burst") await guard(name, () => restartBurst(real, naive, sizes, notes));
      }
      await stop(real, naive);
    }
    if (wanted("burst") && !burstOnFirstPair) {
      const { real, naive } = await pair("burst", sizes.burst.contacts, 0, "simulator");
      say("· burst");
      await guard("burst", () => restartBurst(real, naive, sizes, notes));
      await stop(real, naive);
    }
    // Only the fake peer can change Asterisk's state without telling anyone (what a resync must find).
    if (wanted("resync")) {
      const { real, naive } = await (resyncPair ?? startResyncPair());
      say("· resync");
      await guard("resync", () => fullResync(real, naive, sizes, notes));
      await stop(real, naive);
    }
    for (const [name, scenario] of Object.entries(OWN_SERVICES)) {
      if (!wanted(name as (typeof SCENARIOS)[number])) continue;
      say(`· ${name}`);
      await guard(name, () => scenario(sizes, notes));
    }
  } finally {
    await resyncPair?.catch(() => undefined);
    await stopAll();
  }

  say("");
  say(renderText(rows));
  const missed = rows.filter((r) => r.met === false).length;
  say(missed ? `\n${missed} figure(s) MISSED their target:\n${limits(rows).map((l) => `- ${l}`).join("\n")}` : "\nEvery target met.");
  const file = writeResults(rows, machine, { mode: sizes.mode, only: args.only, date: new Date(), minutes: (Date.now() - started) / 60000, source, notes: [...failures.map((f) => `ERROR ${f}`), ...notes] });
  say(`results: ${file}`);
  if (failures.length) throw new Error(`${failures.length} scenario(s) failed:\n${failures.join("\n")}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
