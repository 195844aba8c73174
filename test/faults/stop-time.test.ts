// Stopping: SIGTERM ends the service in under 2 s with exit code 0 whatever AMI and the database do,
// and pending writes are stored within the budget or named in the log.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { sleep } from "../helpers/wait-for.ts";
import { ChildService } from "./helpers/child-service.ts";
import { PgCluster, postgresBinDir } from "./helpers/pg-cluster.ts";

const STOP_LIMIT_MS = 2_000;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function cluster(): Promise<PgCluster> {
  const created = await PgCluster.create();
  cleanups.push(() => created.destroy());
  await created.createDatabase("app");
  return created;
}

async function simulator(eventsPerSecond: number): Promise<Simulator> {
  const sim = await startSimulator({ agents: 100, eventsPerSecond, seed: 7 });
  cleanups.push(() => sim.close());
  return sim;
}

async function service(env: Record<string, string>): Promise<ChildService> {
  const svc = await ChildService.spawn(env);
  cleanups.push(() => svc.kill9());
  await svc.waitStarted();
  return svc;
}

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts AMI connections and never says a word (a frozen Asterisk). */
async function silentPeer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as net.AddressInfo).port;
}

describe.skipIf(!postgresBinDir())("stop time", () => {
  it("AMI refused: exit 0 in under 2 s", async () => {
    const pg = await cluster();
    const svc = await service({ DATABASE_URL: pg.url("app"), AMI_PORT: String(await closedPort()) });
    await sleep(1_500); // inside the reconnect backoff
    const exit = await svc.signalAndWait();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms, svc.text().slice(-1500)).toBeLessThan(STOP_LIMIT_MS);
    expect(svc.text()).toContain('"msg":"service stopped"');
  });

  it("AMI silent (connected, no banner, no answer to Logoff): exit 0 in under 2 s", async () => {
    const pg = await cluster();
    const svc = await service({ DATABASE_URL: pg.url("app"), AMI_PORT: String(await silentPeer()) });
    await sleep(1_000);
    const exit = await svc.signalAndWait();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms, svc.text().slice(-1500)).toBeLessThan(STOP_LIMIT_MS);
  });

  it("PostgreSQL stopped under load: exit 0 in under 2 s, and the log names what was not stored", async () => {
    const pg = await cluster();
    const sim = await simulator(200);
    const svc = await service({ DATABASE_URL: pg.url("app"), AMI_PORT: String(sim.port), AMI_HOST: sim.host });
    await svc.waitForLog(/^AMI resync applied|resync/i, 30_000).catch(() => undefined);
    await sleep(1_000);
    await pg.stop("immediate");
    await sleep(1_000); // writes fail and pile up
    const exit = await svc.signalAndWait();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms, svc.text().slice(-1500)).toBeLessThan(STOP_LIMIT_MS);
    const report = svc.lines.find((line) => line.msg === "flush timed out; agent states not stored");
    expect(report?.notStored).toBeGreaterThan(0);
    expect(svc.lines.find((line) => line.msg === "service stopped")).toMatchObject({ pendingWritesStored: false });
  });

  it("PostgreSQL stalled (connections open, nothing answered) under load: exit 0 in under 2 s", async () => {
    const pg = await cluster();
    const proxy: TcpProxy = await startTcpProxy({ host: "127.0.0.1", port: pg.port });
    cleanups.push(() => proxy.close());
    const sim = await simulator(200);
    const svc = await service({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${proxy.port}/app`, AMI_PORT: String(sim.port), AMI_HOST: sim.host });
    await sleep(2_000);
    proxy.stall();
    await sleep(1_000);
    const exit = await svc.signalAndWait();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms, svc.text().slice(-1500)).toBeLessThan(STOP_LIMIT_MS);
  });

  it("PGlite under load: exit 0 in under 2 s with every pending write stored", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "aa-stop-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sim = await simulator(200);
    const svc = await service({ DATA_DIR: path.join(dir, "data"), AMI_PORT: String(sim.port), AMI_HOST: sim.host });
    await sleep(2_000);
    const exit = await svc.signalAndWait();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms, svc.text().slice(-1500)).toBeLessThan(STOP_LIMIT_MS);
    expect(svc.lines.find((line) => line.msg === "service stopped")).toMatchObject({ pendingWritesStored: true });
  });

  it("a stop signal while start-up waits for a refused database: exit 0 at once", async () => {
    const svc = await ChildService.spawn({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/app`, AMI_PORT: String(await closedPort()), DB_STARTUP_WAIT_MS: "60000" });
    cleanups.push(() => svc.kill9());
    await svc.waitForLog(/connection refused.*retrying/);
    const exit = await svc.signalAndWait();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms, svc.text().slice(-1500)).toBeLessThan(STOP_LIMIT_MS);
  });

  it("SIGTERM to the npm process (what a process manager sends to `npm start`) stops the service: no orphan", async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AMI_|DATABASE_URL$|DATA_DIR$|DB_|PORT$|LOG_)/.test(name)));
    const npm = spawn("npm", ["start"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: { ...env, DATABASE_URL: "memory:", PORT: "0", AMI_PORT: String(await closedPort()), LOG_FORMAT: "json" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    npm.stdout!.on("data", (chunk) => (output += String(chunk)));
    const npmExited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
    cleanups.push(async () => void npm.kill("SIGKILL"));
    while (!output.includes('"msg":"service started"')) await sleep(50);
    // Every process under npm (the shell if any, the service).
    const descendants = (pid: number): number[] => {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
      return children.flatMap((child) => [child, ...descendants(child)]);
    };
    const tree = descendants(npm.pid!);
    expect(tree.length).toBeGreaterThan(0);
    npm.kill("SIGTERM");
    expect(await npmExited).toBe(0);
    await sleep(500);
    const alive = tree.filter((pid) => {
      try {
        process.kill(pid, 0);
        return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
      } catch {
        return false;
      }
    });
    expect(alive, `still running after npm exited: ${alive.join(", ")}`).toEqual([]);
    expect(output).toContain('"msg":"service stopped"');
  });
});
