// `npm run demo` as a newcomer runs it: it starts (embedded database in DATA_DIR), serves the
// simulated agents over HTTP, they change on their own, and Ctrl-C/SIGTERM stops it cleanly.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { sleep } from "../helpers/wait-for.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Extension {
  extension: string;
  status: string;
  stale: boolean;
}

let child: ChildProcess | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  // The whole process group: npm, tsx and the demo itself.
  if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

async function poll<T>(read: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe("npm run demo", () => {
  it("starts the simulator and the service, serves agents that change live, and stops on SIGTERM", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "demo-"));
    const env: Record<string, string | undefined> = { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info" };
    delete env.DATABASE_URL;
    env.AMI_HOST = "192.0.2.1"; // ignored: the demo always uses its own simulator
    child = spawn("npm", ["run", "--silent", "demo", "--", "--agents", "20", "--rate", "40"], { cwd: repoRoot, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));

    const logLines = () =>
      output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { level: string; msg: string; graphiql?: string });
    const graphiql = await poll(async () => logLines().find((l) => l.msg.startsWith("demo running"))?.graphiql, "the demo's start line", 60_000);
    const base = graphiql.replace(/\/graphiql$/, "");
    expect((await fetch(graphiql)).status).toBe(200);

    const extensions = async (): Promise<Extension[]> => (await (await fetch(`${base}/api/ami/extensions`)).json()) as Extension[];
    const first = await poll(async () => {
      const list = await extensions();
      return list.length === 20 && list.every((e) => !e.stale) ? list : undefined;
    }, "20 synced agents", 20_000);
    // People, not extensions: the demo's users seed names them, and two of them have a softphone too.
    const people = (await (
      await fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ agents { name extensions { extension } } }" }) })
    ).json()) as { data: { agents: Array<{ name: string | null; extensions: Array<{ extension: string }> }> } };
    expect(people.data.agents).toHaveLength(18);
    expect(people.data.agents.every((a) => a.name !== null && /^\S+ \S+/.test(a.name))).toBe(true);
    expect(people.data.agents.filter((a) => a.extensions.length === 2).map((a) => a.name)).toEqual(["Amelia Martin", "Noah Haddad"]);
    const wallboard = await fetch(`${base}/`);
    expect(wallboard.status).toBe(200); // built by npm install (postinstall: build:web)
    expect(await wallboard.text()).toContain('<div id="root">');

    const statusesOf = (list: Extension[]) => list.map((e) => `${e.extension}:${e.status}`).join(" ");
    await poll(async () => (statusesOf(await extensions()) !== statusesOf(first) ? true : undefined), "an agent to change", 20_000);

    // As a terminal's Ctrl-C does: the signal goes to npm, tsx and the demo alike (npm itself just dies of it).
    const group = child.pid as number;
    process.kill(-group, "SIGTERM");
    await exited;
    await poll(async () => (groupAlive(group) ? undefined : true), "every process of the demo to exit", 15_000);
    expect(logLines().map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "service stopped", "AMI simulator stopped"]));
    expect(logLines().filter((l) => l.level === "error" || l.level === "fatal")).toEqual([]);
    expect((await readdir(dataDir)).length).toBeGreaterThan(0); // the embedded database lives there
  }, 120_000); // three processes and a fresh embedded database: ~8 s alone, much more beside the other suites
});
