// Cold start: `node --import tsx src/main.ts` as a new user runs it, from spawn to /readyz 200 (AMI synced,
// so every answer is Asterisk's state), on a fresh PGlite directory (initdb + migrations) and again on the
// same, up-to-date directory. AMI is a 50-agent simulator in this process.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../../src/simulator/simulator.ts";
import { freePort } from "../../test/scenarios/free-port.ts";
import { median } from "../lib/stats.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TARGET_MS = 3_000;

interface StartTimes {
  healthyMs: number;
  readyMs: number;
}

async function startOnce(dataDir: string, amiPort: number): Promise<StartTimes> {
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AMI_|DATABASE_URL$|DATA_DIR$|DB_|PORT$|LOG_)/.test(name)));
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: REPO,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, AMI_PORT: String(amiPort), AMI_SECRET: "crmsecret", LOG_LEVEL: "warn", LOG_FORMAT: "json" },
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let healthyMs = Number.NaN;
  try {
    for (;;) {
      if (performance.now() - started > 60_000) throw new Error("cold start: not ready within 60 s");
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
  const sim = await startSimulator({ agents: 50 });
  const fresh: StartTimes[] = [];
  const again: StartTimes[] = [];
  try {
    for (let rep = 0; rep < sizes.reps; rep++) {
      const dir = await mkdtemp(path.join(tmpdir(), "aa-bench-cold-"));
      try {
        fresh.push(await startOnce(path.join(dir, "data"), sim.port));
        again.push(await startOnce(path.join(dir, "data"), sim.port));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await sim.close();
  }
  notes.push(`cold start: spawn → /healthz 200 (fresh directory) ${fresh.map((t) => fmt.s(t.healthyMs)).join(", ")}; spawn → /readyz 200 (AMI synced) as in the table.`);
  const row = (figure: string, runs: StartTimes[]): Row => {
    const ready = median(runs.map((t) => t.readyMs));
    return { scenario: "", figure, target: `< ${fmt.s(TARGET_MS)}`, measured: fmt.s(ready), met: ready < TARGET_MS, baseline: "", ratio: "", limit: "PGlite's initdb (WebAssembly) and module loading" };
  };
  const rows = [row("fresh PGlite directory: spawn → ready", fresh), row("up-to-date PGlite directory: spawn → ready", again)];
  rows[0]!.scenario = "cold start";
  return rows;
}
