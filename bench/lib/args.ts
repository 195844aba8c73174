// Command line: `npm run bench [-- --quick] [-- --only=queries,fanout]`.
export interface BenchArgs {
  quick: boolean;
  only: Set<string> | null;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const only = argv.find((a) => a.startsWith("--only="));
  return {
    quick: argv.includes("--quick"),
    only: only ? new Set(only.slice("--only=".length).split(",")) : null,
  };
}
