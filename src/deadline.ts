// Deadlines for calls that may never answer (a stalled database, a frozen AMI peer). The losing promise
// is not cancelled: callers bound what they wait for, and the pool's own timeouts reclaim the connection.

export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/** Resolves or rejects as `promise` does, or rejects with DeadlineError after `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
  });
  promise.catch(() => undefined); // a late rejection of the abandoned call is not unhandled
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** true when `promise` settled before `ms`; never rejects. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return withDeadline(
    promise.then(
      () => true,
      () => true,
    ),
    ms,
    "",
  ).catch(() => false);
}
