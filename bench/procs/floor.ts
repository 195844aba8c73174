// One floor (bench/floors/<name>.ts) in its own process: `floor <name> <options as JSON>`.
import { serve } from "../lib/rpc.ts";

interface Floor {
  port: number;
  handlers?: Record<string, (...args: never[]) => unknown>;
  stop(): Promise<void>;
}

const [name, json] = process.argv.slice(2);
if (!name || !/^[a-z0-9-]+$/.test(name)) throw new Error(`floor: bad name ${name}`);
const module = (await import(`../floors/${name}.ts`)) as { start(options: unknown): Promise<Floor> };
const floor = await module.start(JSON.parse(json ?? "{}"));

serve({
  ...floor.handlers,
  info: () => ({ port: floor.port, pid: process.pid }),
  memory: () => process.memoryUsage(),
  gc: () => {
    (globalThis as { gc?: () => void }).gc?.();
  },
  stop: async () => {
    await floor.stop();
    setImmediate(() => process.exit(0));
  },
});
process.on("SIGTERM", () => void floor.stop().finally(() => process.exit(0)));
