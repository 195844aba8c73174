// Prints what a suite measured, so a run's log shows the timings behind the 1 s promises.
export function printLatencies(latencies: ReadonlyMap<string, number>): void {
  if (latencies.size === 0) return;
  const width = Math.max(...[...latencies.keys()].map((k) => k.length));
  const lines = [...latencies].map(([name, ms]) => `  ${name.padEnd(width)}  ${String(Math.round(ms)).padStart(6)} ms`);
  console.info(`measured (negative: the subscriber had it before our PBX poll saw it):\n${lines.join("\n")}`);
}
