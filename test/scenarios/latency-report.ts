// Prints what a suite measured, so a run's log shows the timings behind the 1 s promises.
export function printLatencies(latencies: ReadonlyMap<string, number>): void {
  if (latencies.size === 0) return;
  const width = Math.max(...[...latencies.keys()].map((k) => k.length));
  const lines = [...latencies].map(([name, ms]) => `  ${name.padEnd(width)}  ${String(Math.round(ms)).padStart(6)} ms`);
  // Register/unregister are timed from the lab command's return, which itself polls the CLI: negative
  // there means the subscriber had it before the command noticed. Unreachable/expiry use Asterisk's log.
  console.info(`measured, PBX report → subscriber (negative: before the PBX's reference point):\n${lines.join("\n")}`);
}
