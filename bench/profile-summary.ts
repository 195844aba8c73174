// `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a profile's busy time went, by
// function: self time, then inclusive time (idle left out). For the notes of a missed target.
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export function summarizeProfile(file: string, top = 30): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const out: string[] = [];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: Node) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/.*node_modules\//, "").replace(/^file:\/\/.*?\/(src|bench|test)\//, "$1/")}`;

  const timeOf = new Map<number, number>();
  profile.samples.forEach((id, i) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const [id, time] of timeOf) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === "(idle)") continue;
    busy += time;
    self.set(name(node), (self.get(name(node)) ?? 0) + time);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = name(byId.get(at)!);
      if (seen.has(key) || key.startsWith("(root)")) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + time);
    }
  }
  const list = (title: string, times: Map<string, number>) => {
    out.push(`${title}`);
    for (const [key, time] of [...times].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`${((100 * time) / busy).toFixed(1).padStart(5)} %  ${key}`);
  };
  out.push(`busy ${(busy / 1e6).toFixed(2)} s`);
  list("self", self);
  list("inclusive", inclusive);

  // Long tasks: runs of consecutive busy samples (the event loop blocked that long), with the source
  // function seen most in each, so a periodic stall can be named.
  const stretches: Array<{ ms: number; at: number; where: string }> = [];
  let run = 0;
  let runStart = 0;
  let clock = 0;
  let counts = new Map<string, number>();
  const srcFrame = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      if (/\/(src|node_modules)\//.test(node.callFrame.url) && !node.callFrame.url.includes("/bench/")) return name(node);
    }
    return name(byId.get(id)!);
  };
  const close = () => {
    if (run > 0) stretches.push({ ms: run / 1000, at: runStart / 1e6, where: [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "?" });
    run = 0;
    counts = new Map();
  };
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    clock += delta;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === "(idle)" || node.callFrame.functionName === "(program)") return close();
    if (run === 0) runStart = clock;
    run += delta;
    const where = srcFrame(id);
    counts.set(where, (counts.get(where) ?? 0) + 1);
  });
  close();
  out.push("longest busy stretches (ms, at s into the profile, where most)");
  for (const s of stretches.sort((a, b) => b.ms - a.ms).slice(0, 10)) out.push(`${s.ms.toFixed(1).padStart(8)} ms  ${s.at.toFixed(2).padStart(7)} s  ${s.where}`);

  return out;
}

if (process.argv[1]?.endsWith("profile-summary.ts")) process.stdout.write(`${summarizeProfile(process.argv[2]!, Number(process.argv[3] ?? 30)).join("\n")}\n`);
