// Polling helpers for tests that talk to real sockets.

export async function waitFor(condition: () => boolean, options: { timeoutMs?: number; message?: string } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.message ?? "condition"}`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
