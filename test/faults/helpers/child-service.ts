// The service as a plain child process (`node --import tsx src/main.ts`) for tests that watch it fail to
// start, refuse a directory, or stop: its JSON log lines, its exit, and the time from signal to exit.
// For a service that must come up healthy, test/scenarios/service-process.ts does more.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../scenarios/free-port.ts";
import { sleep } from "../../helpers/wait-for.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export class ChildService {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly exited: Promise<ChildExit>;
  exit: ChildExit | null = null;
  private buffered = "";

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    const collect = (chunk: Buffer) => {
      this.buffered += chunk.toString("utf8");
      const parts = this.buffered.split("\n");
      this.buffered = parts.pop() ?? "";
      for (const line of parts) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ raw: line });
        }
      }
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        running.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  /** Starts `src/main.ts` with exactly these settings (plus PORT, HOST, LOG_FORMAT=json). */
  static async spawn(env: Record<string, string>, fixedPort?: number): Promise<ChildService> {
    const port = fixedPort ?? (await freePort());
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(AMI_|DATABASE_URL$|DATA_DIR$|DB_|PORT$|HOST$|LOG_|SHUTDOWN_|WRITE_|NODE_ENV$|REDIS_URL$|PBX_|CLUSTER_|INSTANCE_ID$)/.test(name)));
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: REPO,
      env: { ...base, HOST: "127.0.0.1", PORT: String(port), LOG_FORMAT: "json", AMI_SECRET: "crmsecret", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    return new ChildService(child, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join("\n");
  }

  /** The first log line whose msg matches, waiting for it (rejects if the process exits first). */
  async waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((line) => pattern.test(String(line.msg ?? line.raw ?? "")));
      if (found) return found;
      if (this.exit) throw new Error(`exited (${JSON.stringify(this.exit)}) before logging ${pattern}; log:\n${this.text().slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`no log line ${pattern} within ${timeoutMs} ms; log:\n${this.text().slice(-3000)}`);
      await sleep(25);
    }
  }

  async waitStarted(timeoutMs = 60_000): Promise<void> {
    await this.waitForLog(/^service started$/, timeoutMs);
  }

  /** Sends the signal and measures the time until the process has exited. */
  async signalAndWait(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000): Promise<ChildExit & { ms: number }> {
    const started = performance.now();
    this.child.kill(signal);
    const exit = await Promise.race([this.exited, sleep(timeoutMs).then(() => null)]);
    if (!exit) {
      this.child.kill("SIGKILL");
      throw new Error(`no exit within ${timeoutMs} ms of ${signal}; log:\n${this.text().slice(-3000)}`);
    }
    return { ...exit, ms: performance.now() - started };
  }

  async kill9(): Promise<void> {
    if (!this.exit) this.child.kill("SIGKILL");
    await this.exited;
  }
}
