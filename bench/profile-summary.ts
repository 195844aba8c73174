// `npx tsx bench/profile-summary.ts [file.cpuprofile ...] [--top=25] [--window=FROM-TO]`: where a CPU
// profile's time went, by function (self time) and by package or source file, and a timeline of busy
// time per 5 s (to pick the window of one measurement: seconds from the profile's start). Without
// files: the newest profile in bench/.logs (BENCH_CPU_PROF=1 npm run bench writes one per process).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const LOG_DIR = fileURLToPath(new URL("./.logs", import.meta.url));

/** node_modules/<package> (scoped too), a src/ or bench/ file, or node's own ("node:…", "(program)", "(gc)"). */
export function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const [first, second] = url.slice(modules + "node_modules/".length).split("/");
    return first!.startsWith("@") ? `${first}/${second}` : first!;
  }
  const local = /\/((?:src|bench|test)\/.*)$/.exec(url);
  if (local) return local[1]!;
  return url.startsWith("node:") ? url : path.basename(url);
}

export function summarize(profile: Profile, top: number, window: [number, number] | null = null): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  const timeline: number[] = [];
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const seconds = at / 1e6;
    if (byId.get(id)?.callFrame.functionName !== "(idle)") timeline[Math.floor(seconds / 5)] = (timeline[Math.floor(seconds / 5)] ?? 0) + delta;
    if (window && (seconds < window[0] || seconds > window[1])) return;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfMicros].filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)").reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const functions = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") continue;
    const owner = ownerOf(frame.url, frame.functionName);
    const name = `${frame.functionName || "(anonymous)"}  ${owner}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    owners.set(owner, (owners.get(owner) ?? 0) + micros);
  }
  const table = (title: string, rows: Map<string, number>) =>
    [
      title,
      ...[...rows]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, micros]) => `${((100 * micros) / busy).toFixed(1).padStart(6)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`),
    ].join("\n");
  return [
    `busy per 5 s from the start: ${Array.from(timeline, (t) => `${Math.round((t ?? 0) / 50_000)}%`).join(" ")}`,
    `${window ? `window ${window[0]}-${window[1]} s: ` : ""}busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled (${((100 * busy) / Math.max(1, total)).toFixed(0)} %); shares are of busy time`,
    table("by package / file (self time):", owners),
    table("by function (self time):", functions),
  ].join("\n\n");
}

function newestProfile(): string {
  const files = readdirSync(LOG_DIR)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(LOG_DIR, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!files[0]) throw new Error(`no .cpuprofile in ${LOG_DIR}: run BENCH_CPU_PROF=1 npm run bench -- --only=…`);
  return files[0];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const top = Number(args.find((a) => a.startsWith("--top="))?.slice(6) ?? 25);
  const files = args.filter((a) => !a.startsWith("--"));
  const range = args.find((a) => a.startsWith("--window="))?.slice(9).split("-").map(Number);
  const window: [number, number] | null = range && range.length === 2 ? [range[0]!, range[1]!] : null;
  for (const file of files.length ? files : [newestProfile()]) {
    process.stdout.write(`== ${file}\n${summarize(JSON.parse(readFileSync(file, "utf8")) as Profile, top, window)}\n\n`);
  }
}
