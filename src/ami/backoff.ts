// Reconnect delays: capped exponential backoff with "equal jitter" (half fixed, half random),
// so the first retry comes within `initialMs` and many instances do not reconnect in lockstep.

export interface BackoffOptions {
  /** Upper bound of the first delay (≤ 1 s keeps a restart gap short). */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000 };

/** Delay before retry number `attempt` (0 = first retry after a loss). `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
