// One process per PGlite directory. PGlite does not lock its directory, and two processes writing one
// directory corrupt it. The lock is a file in the directory holding the owner's pid and the kernel's start
// time of that process: a second process is refused at once, and a lock left by a process that died
// (kill -9, power loss) is taken over, because its pid is gone or now belongs to another process.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";

export const LOCK_FILE = "agent-availability.lock";

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by process ${ownerPid}: one process per embedded database directory ` +
        `(stop that process, or give this one another DATA_DIR or a DATABASE_URL)`,
    );
    this.name = "DataDirLockedError";
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Synchronous, so it can run in an exit handler. */
  release(): void;
}

interface Owner {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot); null where /proc is not available. */
  startTime: string | null;
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const me: Owner = { pid: process.pid, startTime: processStartTime(process.pid) };
  // Two attempts: the second after removing a stale lock. If another process takes it over in between,
  // our exclusive create fails again and we report that process.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, "wx", 0o644);
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      return { file, release: () => releaseIfOurs(file, me) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = readOwner(file);
    if (owner && isAlive(owner)) throw new DataDirLockedError(path.resolve(dataDir), owner.pid);
    // Stale (its process is gone) or unreadable (the owner died while writing it).
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  const owner = readOwner(file);
  throw new DataDirLockedError(path.resolve(dataDir), owner?.pid ?? -1);
}

function readOwner(file: string): Owner | null {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<Owner>;
    return typeof parsed.pid === "number" ? { pid: parsed.pid, startTime: parsed.startTime ?? null } : null;
  } catch {
    return null;
  }
}

/** The recorded process still runs, and is the same process (a recycled pid has another start time). */
function isAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const startTime = processStartTime(owner.pid);
  return owner.startTime === null || startTime === null || startTime === owner.startTime;
}

function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; the command name (field 2) may contain spaces and parentheses, so count after its last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function releaseIfOurs(file: string, me: Owner): void {
  const owner = readOwner(file);
  if (owner?.pid !== me.pid || owner.startTime !== me.startTime) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
