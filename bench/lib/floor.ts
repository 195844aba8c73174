// Starts a floor (bench/floors/<name>.ts, see its README) in its own process, measured like the service.
import { readUsage, type Usage } from "./proc-usage.ts";
import { startChild, type Child } from "./rpc.ts";

export interface Floor {
  name: string;
  port: number;
  child: Child;
  usage(): Usage;
  stop(): Promise<void>;
}

export async function startFloor(name: string, label: string, options: object = {}): Promise<Floor> {
  const child = await startChild("floor", `floor-${name}-${label}`, { NODE_ENV: "production" }, [name, JSON.stringify(options)], ["--expose-gc"]);
  const { port } = await child.call<{ port: number }>("info");
  return {
    name,
    port,
    child,
    usage: () => readUsage(child.pid),
    async stop() {
      await child.call("stop").catch(() => undefined);
      await child.stop();
    },
  };
}
