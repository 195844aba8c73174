// Idle memory of the production command: `npm run build`'s tsc output run as `node dist/main.js`
// (what `npm run start:prod` execs; no tsx, no npm left as a wrapper when run directly), 2,000 agents
// synced from the AMI simulator, then idle; RSS of its whole process tree on PostgreSQL and on PGlite,
// beside bare Apollo Server (bench/baselines/bare-apollo.mjs) idle for as long, in the same run.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, readdirSync, rmSync, createWriteStream } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBenchDatabase, seedUsers } from "../lib/bench-database.ts";
import { nowMs, sleep } from "../lib/clock.ts";
import { LOG_DIR, startChild } from "../lib/rpc.ts";
import { fmt, type Row } from "../lib/table.ts";
import type { Sizes } from "../lib/sizes.ts";
import { loadNote } from "./ingest.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TARGETS = { postgres: 150 * 1024 * 1024, pglite: 350 * 1024 * 1024 };
const IDLE_SECONDS = { quick: 8, full: 30 };
const AGENTS = 2000;

/** RSS of a process and all its descendants (Linux /proc), and how many processes that is. */
export function treeRss(pid: number): { bytes: number; anon: number; file: number; processes: number } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let bytes = 0;
  let anon = 0;
  let file = 0;
  let processes = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
      bytes += kb("VmRSS");
      anon += kb("RssAnon");
      file += kb("RssFile");
      processes++;
    } catch {
      return;
    }
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return { bytes, anon, file, processes };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function graphql<T>(port: number, query: string): Promise<T | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
    return ((await response.json()) as { data?: T }).data ?? null;
  } catch {
    return null;
  }
}

function spawnLogged(name: string, command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(join(LOG_DIR, `${name}.log`));
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await gone;
  clearTimeout(timer);
}

interface Measured {
  rss: number;
  processes: number;
  /** Anonymous memory (heaps, wasm memories, buffers) and file-backed (code, mapped libraries). */
  anon: number;
  file: number;
}

async function measureProduction(kind: "postgres" | "pglite", idleSeconds: number): Promise<Measured> {
  const source = await startChild("ami-source", `rss-${kind}-ami`);
  const ami = await source.call<{ host: string; port: number }>("start", { first: 1000, count: AGENTS, busyShare: 0.75, backend: "simulator" });
  const db = kind === "postgres" ? await createBenchDatabase(`rss-${kind}`) : null;
  const dataDir = kind === "pglite" ? mkdtempSync(join(tmpdir(), "bench-rss-pglite-")) : null;
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "warn",
    AMI_HOST: ami.host,
    AMI_PORT: String(ami.port),
    AMI_USERNAME: "crm",
    AMI_SECRET: "crmsecret",
    AUTH_MODE: "open",
    ...(db ? { DATABASE_URL: db.url } : { DATA_DIR: dataDir! }),
  };
  if (!db) delete process.env.DATABASE_URL;
  const child = spawnLogged(`rss-${kind}-service`, process.execPath, ["dist/main.js"], env);
  try {
    const deadline = nowMs() + 120_000;
    while (!(await graphql<{ amiStatus: { synced: boolean } }>(port, "{ amiStatus { synced } }"))?.amiStatus.synced) {
      if (child.exitCode !== null || nowMs() > deadline) throw new Error(`rss ${kind}: node dist/main.js did not sync within 120 s (see bench/.logs/rss-${kind}-service.log)`);
      await sleep(200);
    }
    if (db) await seedUsers(db, 1000, AGENTS);
    // A read of every agent, as a wallboard would do once, then idle.
    await graphql(port, "{ availableAgents { extension name status } }");
    await sleep(idleSeconds * 1000);
    const tree = treeRss(child.pid!);
    return { rss: tree.bytes, processes: tree.processes, anon: tree.anon, file: tree.file };
  } finally {
    await stopProcess(child);
    await source.stop();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureBareApollo(idleSeconds: number): Promise<Measured> {
  const child = spawnLogged("rss-bare-apollo", process.execPath, ["bench/baselines/bare-apollo.mjs"], {});
  try {
    await once(child.stdout!, "data");
    await sleep(idleSeconds * 1000);
    const tree = treeRss(child.pid!);
    return { rss: tree.bytes, processes: tree.processes, anon: tree.anon, file: tree.file };
  } finally {
    await stopProcess(child);
  }
}

export async function idleRss(sizes: Sizes, notes: string[]): Promise<Row[]> {
  const idleSeconds = IDLE_SECONDS[sizes.mode];
  const built = nowMs();
  execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
  const buildSeconds = (nowMs() - built) / 1000;
  const load = loadNote();
  const postgres = await measureProduction("postgres", idleSeconds);
  const pglite = await measureProduction("pglite", idleSeconds);
  const bare = await measureBareApollo(idleSeconds);
  notes.push(
    `idle RSS: \`node dist/main.js\` (tsc build ${buildSeconds.toFixed(0)} s), ${AGENTS.toLocaleString("en-US")} agents synced, one availableAgents read, then ${idleSeconds} s idle; ` +
      `RSS of the whole process tree (anonymous + file-backed): PostgreSQL ${fmt.mb(postgres.rss)} (${fmt.mb(postgres.anon)} + ${fmt.mb(postgres.file)}, ${postgres.processes} process), ` +
      `PGlite ${fmt.mb(pglite.rss)} (${fmt.mb(pglite.anon)} + ${fmt.mb(pglite.file)}, ${pglite.processes} process), bare Apollo Server ${fmt.mb(bare.rss)} (${fmt.mb(bare.anon)} + ${fmt.mb(bare.file)}); ${load}.`,
  );
  const row = (label: string, m: Measured, target: number): Row => ({
    scenario: label,
    figure: `RSS after ${idleSeconds} s idle (${m.processes} process)`,
    target: `≤ ${fmt.mb(target)}`,
    measured: fmt.mb(m.rss),
    met: m.rss <= target && m.processes === 1,
    baseline: `bare Apollo ${fmt.mb(bare.rss)}`,
    ratio: `${(m.rss / bare.rss).toFixed(1)}× bare Apollo`,
    limit: `${fmt.mb(m.anon)} anonymous (JS heap, wasm memories: Prisma's query compiler, PGlite's Postgres; buffers) + ${fmt.mb(m.file)} file-backed (code); a heap snapshot (node --heapsnapshot-signal=SIGUSR2 dist/main.js) says which objects.`,
  });
  return [
    row(`idle, node dist/main.js, PostgreSQL, ${AGENTS.toLocaleString("en-US")} agents`, postgres, TARGETS.postgres),
    row(`idle, node dist/main.js, PGlite, ${AGENTS.toLocaleString("en-US")} agents`, pglite, TARGETS.pglite),
  ];
}
