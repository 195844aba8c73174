// Polling for conditions that need async reads (GraphQL, the PBX CLI): the predicate may throw
// while the thing is not ready (e.g. Asterisk restarting); the last error is reported on timeout.
import { sleep } from "../helpers/wait-for.ts";

export interface EventuallyOptions {
  timeoutMs: number;
  intervalMs?: number;
  message: string;
}

export async function eventually<T>(probe: () => Promise<T | false | null | undefined>, options: EventuallyOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== false && value !== null && value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.message}${cause}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
}
