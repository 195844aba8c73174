// Every refresh is a full resync on the PBX (three list actions): callers in flight at the same time
// share one, and a new one starts at most once per `minIntervalMs`; earlier calls are refused with
// RATE_LIMITED (HTTP 429) and the time to wait, rather than queued.
import { GraphQLError } from "graphql";

export class RateLimitedError extends GraphQLError {
  constructor(readonly retryAfterMs: number) {
    super(`a resync ran less than a moment ago; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      extensions: { code: "RATE_LIMITED", retryAfterMs, http: { status: 429 } },
    });
  }
}

export function limitRefresh<T>(refresh: () => Promise<T>, minIntervalMs: number, now: () => number = Date.now): () => Promise<T> {
  let running: Promise<T> | null = null;
  let lastStartedAt = -Infinity;
  return () => {
    if (running) return running;
    const wait = lastStartedAt + minIntervalMs - now();
    if (wait > 0) return Promise.reject(new RateLimitedError(wait));
    lastStartedAt = now();
    running = refresh().finally(() => (running = null));
    return running;
  };
}
