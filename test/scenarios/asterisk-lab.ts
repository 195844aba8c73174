// The asterisk-lab tool (../shared/asterisk-lab) as async calls: start/stop with retries, phone
// commands, CLI, and freezing the Asterisk process. Knows nothing about the service under test.
import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { open, readdir, readFile, readlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "../helpers/wait-for.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const LAB_TOOL = process.env.ASTERISK_LAB_TOOL ?? resolve(REPO, "../shared/asterisk-lab/asterisk-lab");
const LAB_DIR = process.env.ASTERISK_LAB_DIR ?? "/opt/asterisk-lab";

export interface LabResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class LabCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: LabResult,
  ) {
    super(`asterisk-lab ${args.join(" ")} exited ${result.code}: ${(result.stderr || result.stdout).trim().split("\n").slice(-6).join(" | ")}`);
    this.name = "LabCommandError";
  }
}

/** Runs the tool; never throws for a non-zero exit (see `mustRun`). */
export function runLab(args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<LabResult> {
  return new Promise((resolvePromise) => {
    execFile(
      LAB_TOOL,
      [...args],
      { env: { ...process.env, CI: "true", ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export async function mustRun(args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<LabResult> {
  const result = await runLab(args, options);
  if (result.code !== 0) throw new LabCommandError(args, result);
  return result;
}

/** `status` exits 0 when Asterisk runs. */
export async function labRunning(): Promise<boolean> {
  return (await runLab(["status"])).code === 0;
}

/** The Asterisk process itself (chroot execs it; `core restart now` keeps it). */
export async function asteriskPid(): Promise<number> {
  const text = await readFile(join(LAB_DIR, "state", "asterisk.pid"), "utf8");
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no Asterisk PID in ${LAB_DIR}/state/asterisk.pid`);
  return pid;
}

/**
 * Starts Asterisk and verifies with `status` and the CLI: `start` has been seen to report
 * "Asterisk did not come up" while it was in fact running, and to fail once on a slow boot.
 */
export async function startLab(env: Record<string, string> = {}): Promise<void> {
  let last: LabResult | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    last = await runLab(["start"], { env, timeoutMs: 90_000 });
    for (let i = 0; i < 20; i++) {
      if ((await labRunning()) && (await runLab(["cli", "core waitfullybooted"], { timeoutMs: 30_000 })).code === 0) return;
      await sleep(250);
    }
    await runLab(["stop"], { env });
  }
  throw new LabCommandError(["start"], last!);
}

export async function stopLab(env: Record<string, string> = {}): Promise<void> {
  await mustRun(["stop"], { env });
}

/** Where phone (device 1) of `ext` listens: LAB_PHONE_BASE_PORT + (ext - LAB_FIRST_EXTENSION). */
export function phonePort(ext: string, env: Record<string, string | undefined> = {}): number {
  const base = Number(env.LAB_PHONE_BASE_PORT ?? process.env.LAB_PHONE_BASE_PORT ?? 15000);
  const first = Number(env.LAB_FIRST_EXTENSION ?? process.env.LAB_FIRST_EXTENSION ?? 1000);
  return base + Number(ext) - first;
}

/**
 * Registering SIPp phones of this lab that are still running, found by their command line.
 * `register` can lose track of its phone: it checks "alive and named sipp" right after forking, and a
 * phone that has not exec'd yet counts as gone; the command fails, drops the PID file, and the phone
 * lives on (re-registering for up to LAB_PHONE_MAX_SECS, even into the next lab start).
 */
export async function labPhones(): Promise<Array<{ pid: number; port: number }>> {
  // The tool names its scenarios by its resolved path (readlink -f).
  const scenario = join(dirname(realpathSync(LAB_TOOL)), "scenarios", "register.xml");
  const phones: Array<{ pid: number; port: number }> = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const [argv, stat] = await Promise.all([
      readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => ""),
      readFile(`/proc/${entry}/stat`, "utf8").catch(() => ""),
    ]);
    const args = argv.split("\0");
    if (!args[0]?.endsWith("sipp") || !args.includes(scenario) || / Z /.test(stat)) continue;
    const port = Number(args[args.indexOf("-p") + 1]);
    phones.push({ pid: Number(entry), port });
  }
  return phones;
}

/** Stops lab phones (by PID) that match; returns how many. */
export async function stopPhones(matches: (phone: { pid: number; port: number }) => boolean): Promise<number> {
  const victims = (await labPhones()).filter(matches);
  for (const { pid } of victims) signal(pid, "SIGTERM");
  const deadline = Date.now() + 3_000;
  while (victims.length > 0 && Date.now() < deadline) {
    const alive = new Set((await labPhones()).map((p) => p.pid));
    if (victims.every((v) => !alive.has(v.pid))) return victims.length;
    await sleep(100);
  }
  const alive = new Set((await labPhones()).map((p) => p.pid));
  for (const { pid } of victims) if (alive.has(pid)) signal(pid, "SIGKILL");
  return victims.length;
}

/** A phone may exit on its own between finding and signalling it. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/**
 * When Asterisk logged a line matching `pattern` at or after `afterMs` (epoch ms), from its own
 * millisecond timestamps in messages.log; null when there is none or the chroot's clock is not UTC.
 * Asterisk logs "Contact 1003/... is now Unreachable" in the same millisecond it sends the AMI event.
 */
export async function asteriskLogTime(pattern: RegExp, afterMs: number): Promise<number | null> {
  const root = join(LAB_DIR, process.env.LAB_SUITE ?? "sid");
  const zone = await readlink(join(root, "etc", "localtime")).catch(() => "");
  if (!/\/(Etc\/)?UTC$/.test(zone)) return null;
  const file = await open(join(root, "var", "log", "asterisk", "messages.log")).catch(() => null);
  if (!file) return null;
  try {
    const { size } = await file.stat();
    const length = Math.min(size, 512 * 1024);
    const { buffer } = await file.read(Buffer.alloc(length), 0, length, size - length);
    for (const line of buffer.toString("utf8").split("\n")) {
      const stamp = /^\[(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3})\]/.exec(line);
      if (!stamp || !pattern.test(line)) continue;
      const at = Date.parse(`${stamp[1]}T${stamp[2]}Z`);
      if (at >= afterMs) return at;
    }
    return null;
  } finally {
    await file.close();
  }
}

export async function cli(command: string): Promise<string> {
  return (await mustRun(["cli", command], { timeoutMs: 15_000 })).stdout;
}
