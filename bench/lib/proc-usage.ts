// CPU time and RSS of another process, read from /proc (Linux), so that measuring a service costs
// the service nothing and the real service and its baselines are measured the same way.
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const PAGE_BYTES = 4096;

export interface Usage {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
  at: number;
}

export function readUsage(pid: number): Usage {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, rssBytes: rssPages * PAGE_BYTES, at: Date.now() };
}

/** The main thread of another process (Linux schedstat): ns on a CPU and ns runnable but waiting for one;
 * null where there is no schedstat. */
export function readSchedstat(pid: number): { onCpu: number; waiting: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/schedstat`, "utf8");
  } catch {
    return null;
  }
  const [onCpu, waiting] = text.split(" ").map(Number);
  return { onCpu: onCpu ?? 0, waiting: waiting ?? 0 };
}

/** CPU use between two readings, in % of one core. */
export function cpuPercent(from: Usage, to: Usage): number {
  const wall = (to.at - from.at) / 1000;
  return wall > 0 ? (100 * (to.cpuSeconds - from.cpuSeconds)) / wall : 0;
}
