// CPU profiles of chosen windows of a bench process (node:inspector), so that a profile shows the
// measured work, not start-up: `profileStart()`, then `profileStop(label)` writes bench/.logs/<label>.cpuprofile.
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOG_DIR } from "./rpc.ts";

export function windowProfiler() {
  let session: Session | null = null;
  return {
    async profileStart(): Promise<void> {
      session ??= new Session();
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", { interval: 200 });
      await session.post("Profiler.start");
    },
    async profileStop(label: string): Promise<string> {
      if (!session) throw new Error("profileStart() first");
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      session = null;
      const file = join(LOG_DIR, `${label}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
