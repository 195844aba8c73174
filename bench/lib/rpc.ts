// Request/response over a forked child's IPC channel: the parent calls named methods, the child
// serves them. One tiny protocol for every bench process (service, AMI source, load generators).
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

interface Request {
  rpc: number;
  method: string;
  args: unknown[];
}

interface Response {
  rpc: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

type Handlers = Record<string, (...args: never[]) => unknown>;

/** In the child: answer the parent's calls; `ready` is sent once the handlers are in place. */
export function serve(handlers: Handlers): void {
  if (!process.send) throw new Error("a bench process must be started by the bench (no IPC channel)");
  process.on("message", (message: Request) => {
    const handler = handlers[message.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown method ${message.method}`);
        return (handler as (...args: unknown[]) => unknown)(...message.args);
      })
      .then(
        (value) => process.send!({ rpc: message.rpc, ok: true, value } satisfies Response),
        (error: unknown) => process.send!({ rpc: message.rpc, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Response),
      );
  });
  // The bench going away (even killed) takes its processes with it.
  process.on("disconnect", () => process.exit(0));
  process.send({ rpc: 0, ok: true, value: "ready" } satisfies Response);
}

export interface Child {
  readonly pid: number;
  readonly name: string;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const benchDir = fileURLToPath(new URL("..", import.meta.url));
export const LOG_DIR = join(benchDir, ".logs");

/** Starts bench/procs/<script>.ts in its own Node process (stdout/stderr to bench/.logs/<name>.log). */
export async function startChild(script: string, name: string, env: Record<string, string> = {}, args: string[] = [], nodeArgs: string[] = []): Promise<Child> {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${name}.log`);
  const log = createWriteStream(logFile);
  const child: ChildProcess = fork(join(benchDir, "procs", `${script}.ts`), args, {
    execArgv: ["--import", "tsx", "--max-old-space-size=4096", ...nodeArgs],
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let next = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let exited: string | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  child.on("message", (message: Response) => {
    const waiter = pending.get(message.rpc);
    if (!waiter) return;
    pending.delete(message.rpc);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(`${name}: ${message.error}`));
  });
  child.on("exit", (code, signal) => {
    exited = `${name} exited (code ${code}, signal ${signal}); see ${logFile}`;
    for (const waiter of pending.values()) waiter.reject(new Error(exited));
    pending.clear();
  });
  await ready;
  return {
    pid: child.pid!,
    name,
    call<T>(method: string, ...callArgs: unknown[]): Promise<T> {
      if (exited) return Promise.reject(new Error(exited));
      const rpc = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(rpc, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ rpc, method, args: callArgs } satisfies Request);
      });
    },
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}
