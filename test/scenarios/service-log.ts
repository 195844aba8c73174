// What must never appear in the service's log during a run, whatever the PBX did: crashes, promises
// nobody handled, listeners that threw, AMI messages it could not read.
import type { ServiceProcess } from "./service-process.ts";

const SERIOUS = /unhandled|uncaught|threw|malformed|start-up failed/i;

export function seriousLogLines(service: ServiceProcess): string[] {
  return service
    .logLines()
    .filter((line) => line.level === "fatal" || SERIOUS.test(String(line.msg)))
    .map((line) => `${String(line.level)}: ${String(line.msg)}`);
}
