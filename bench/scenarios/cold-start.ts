// Cold start: from spawn to /readyz 200 (AMI synced, so every answer is Asterisk's state), on a fresh
// PGlite directory (a copy of the install-time template, or initdb without one) and again on the same,
// up-to-date directory. Two commands, alternated within each repetition so both see the same machine:
// the production command, `node dist/main.js` (README, Production; built here first with tsc, as `npm
// run build` does), and `npm start`'s `node --import tsx src/main.ts` (TypeScript compiled at every
// start). AMI is a 50-agent simulator in this process. BENCH_NODE=/path/to/node starts the service with
// another Node than the bench's own (the machine's may be older than `engines` allows).
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../../src/simulator/simulator.ts";
import { freePort } from "../../test/scenarios/free-port.ts";
import { median } from "../lib/stats.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TARGET_MS = 3_000;
const NODE = process.env.BENCH_NODE || process.execPath;

const COMMANDS = [
  { name: "node dist/main.js", args: ["dist/main.js"] },
  { name: "node --import tsx src/main.ts", args: ["--import", "tsx", "src/main.ts"] },
] as const;

interface StartTimes {
  healthyMs: number;
  readyMs: number;
}

async function startOnce(args: readonly string[], dataDir: string, amiPort: number): Promise<StartTimes> {
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AMI_|DATABASE_URL$|DATA_DIR$|DB_|PORT$|LOG_|PGLITE_)/.test(name)));
  const started = performance.now();
  const child = spawn(NODE, args, {
    cwd: REPO,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, AMI_PORT: String(amiPort), AMI_SECRET: "crmsecret", LOG_LEVEL: "warn", LOG_FORMAT: "json" },
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let healthyMs = Number.NaN;
  try {
    for (;;) {
      if (performance.now() - started > 60_000) throw new Error(`cold start (${args.join(" ")}): not ready within 60 s`);
      if (child.exitCode !== null) throw new Error(`cold start (${args.join(" ")}): exited ${child.exitCode} before it was ready`);
      const probe = async (route: string) => (await fetch(`http://127.0.0.1:${port}${route}`, { signal: AbortSignal.timeout(500) }).catch(() => null))?.status;
      if (Number.isNaN(healthyMs) && (await probe("/healthz")) === 200) healthyMs = performance.now() - started;
      if (!Number.isNaN(healthyMs) && (await probe("/readyz")) === 200) return { healthyMs, readyMs: performance.now() - started };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

export async function coldStart(sizes: Sizes, notes: string[]): Promise<Row[]> {
  const buildStarted = performance.now();
  execFileSync(process.execPath, [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: REPO, stdio: "inherit" });
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const nodeVersion = execFileSync(NODE, ["--version"], { encoding: "utf8" }).trim();
  const loadBefore = loadavg()[0]!;
  const sim = await startSimulator({ agents: 50 });
  const runs = COMMANDS.map(() => ({ fresh: [] as StartTimes[], again: [] as StartTimes[] }));
  try {
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const [i, command] of COMMANDS.entries()) {
        const dir = await mkdtemp(path.join(tmpdir(), "aa-bench-cold-"));
        try {
          runs[i]!.fresh.push(await startOnce(command.args, path.join(dir, "data"), sim.port));
          runs[i]!.again.push(await startOnce(command.args, path.join(dir, "data"), sim.port));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await sim.close();
  }
  const list = (times: StartTimes[], key: keyof StartTimes) => times.map((t) => fmt.s(t[key])).join(", ");
  notes.push(
    `cold start: the service on Node ${nodeVersion}, load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after (${sizes.reps} runs of each, alternated; tsc build first, ${buildSeconds.toFixed(0)} s). ` +
      COMMANDS.map((c, i) => `\`${c.name}\`: spawn → /readyz 200 fresh ${list(runs[i]!.fresh, "readyMs")}, up to date ${list(runs[i]!.again, "readyMs")}`).join("; ") +
      ".",
  );
  const row = (figure: string, times: StartTimes[]): Row => {
    const ready = median(times.map((t) => t.readyMs));
    return {
      scenario: "",
      figure,
      target: `< ${fmt.s(TARGET_MS)}`,
      measured: fmt.s(ready),
      met: ready < TARGET_MS,
      baseline: "",
      ratio: "",
      limit: "module loading, PGlite's start (WebAssembly) and its first queries, on a machine shared with other work (see the load average in the notes)",
    };
  };
  const rows = COMMANDS.flatMap((c, i) => [row(`\`${c.name}\`, fresh PGlite directory: spawn → ready`, runs[i]!.fresh), row(`\`${c.name}\`, up-to-date PGlite directory: spawn → ready`, runs[i]!.again)]);
  rows[0]!.scenario = "cold start";
  return rows;
}
