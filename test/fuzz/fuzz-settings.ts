// Property-based fuzzing is time-boxed: quick in `npm test` (CI), longer on demand:
//   FUZZ_SECONDS=300 npx vitest run test/fuzz
export const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? "0") || 0;

/** fast-check parameters: a fixed number of runs by default; with FUZZ_SECONDS, as many as fit. */
export function fuzzParameters(defaultRuns: number): { numRuns: number; interruptAfterTimeLimit?: number; markInterruptAsFailure: boolean } {
  if (FUZZ_SECONDS > 0) return { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: FUZZ_SECONDS * 1000, markInterruptAsFailure: false };
  return { numRuns: defaultRuns, markInterruptAsFailure: false };
}

/** The test timeout that goes with it. */
export const FUZZ_TIMEOUT_MS = FUZZ_SECONDS > 0 ? FUZZ_SECONDS * 1000 + 60_000 : 60_000;
