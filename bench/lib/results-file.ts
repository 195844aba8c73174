// bench/RESULTS.md: the last full run's table with the machine and date it ran on. Quick and partial runs
// go to bench/.results/ (not committed), so `--quick` in CI never replaces the full figures.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Machine } from "./machine.ts";
import { limits, renderMarkdown, type Row } from "./table.ts";

export const RESULTS_FILE = fileURLToPath(new URL("../RESULTS.md", import.meta.url));
export const SCRATCH_DIR = fileURLToPath(new URL("../.results", import.meta.url));

/** Where a run's results go: RESULTS.md only for a full run of every scenario. */
export function resultsFileFor(mode: string, only: ReadonlySet<string> | null): string {
  if (mode === "full" && !only) return RESULTS_FILE;
  const name = only ? `${mode === "quick" ? "quick-" : ""}only-${[...only].sort().join("-")}` : mode;
  return path.join(SCRATCH_DIR, `${name}.md`);
}

/** Writes the results and returns the file written. */
export function writeResults(rows: readonly Row[], machine: Machine, info: { mode: string; only: ReadonlySet<string> | null; date: Date; minutes: number; source: string; notes: string[] }): string {
  const missed = rows.filter((r) => r.met === false).length;
  const text = `# Benchmark results

Last \`npm run bench${info.mode === "quick" ? " -- --quick" : ""}${info.only ? ` -- --only=${[...info.only].join(",")}` : ""}\` (${info.mode} run), ${info.date.toISOString().slice(0, 16).replace("T", " ")} UTC, ${info.minutes.toFixed(1)} minutes.

| machine | |
| --- | --- |
| CPU | ${machine.cpu}, ${machine.cores} cores |
| RAM | ${machine.ramGiB} GiB |
| OS | ${machine.os} |
| Node | ${machine.node} |
| PostgreSQL | ${machine.postgres} (127.0.0.1, fsync on, a fresh database per service) |
| AMI source | ${info.source} |

Every process on the same machine: the service, the AMI source, the load generators and PostgreSQL
share its cores. Latencies are from real timestamps taken in different processes (AMI socket write →
database row written / WebSocket message received). Medians of the repetitions; p99 over all samples
of a run. **baseline** is the same measurement on the naive service in the same run: one Prisma upsert
per AMI event, one GraphQL execution per subscriber per event (graphql-ws default), a database query
per read. **ratio** is how many times better ours is. **floor** is the same figure, same run, on the
least code this stack needs for it (bench/floors: a raw \`ws\` broadcaster, a bare node:http +
graphql-js server, ...) and **ours ÷ floor** how close we are to it (1.00× = as fast as the floor).

${renderMarkdown(rows)}

${missed ? `**${missed} figure(s) missed their target.**` : "Every target met."}
${missed ? `\n## What limits the missed figures\n\n${limits(rows).map((l) => `- ${l}`).join("\n")}\n` : ""}
## Notes

${info.notes.map((n) => `- ${n}`).join("\n")}
`;
  const file = resultsFileFor(info.mode, info.only);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}
