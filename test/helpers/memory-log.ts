// A Log (src/domain/ports.ts) that keeps every entry in memory, for asserting on log lines.
import type { Log } from "../../src/domain/ports.ts";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  obj: object;
  msg: string | undefined;
  bindings: object;
}

export class MemoryLog implements Log {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: object = {},
  ) {}

  debug(obj: object, msg?: string): void {
    this.entries.push({ level: "debug", obj, msg, bindings: this.bindings });
  }
  info(obj: object, msg?: string): void {
    this.entries.push({ level: "info", obj, msg, bindings: this.bindings });
  }
  warn(obj: object, msg?: string): void {
    this.entries.push({ level: "warn", obj, msg, bindings: this.bindings });
  }
  error(obj: object, msg?: string): void {
    this.entries.push({ level: "error", obj, msg, bindings: this.bindings });
  }
  child(bindings: object): Log {
    return new MemoryLog(this.entries, { ...this.bindings, ...bindings });
  }

  /** Every entry as one JSON line: handy for "never logs X" assertions. */
  text(): string {
    return this.entries.map((e) => JSON.stringify(e)).join("\n");
  }

  at(level: LogEntry["level"]): LogEntry[] {
    return this.entries.filter((e) => e.level === level);
  }
}
