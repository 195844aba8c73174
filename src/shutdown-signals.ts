// SIGINT/SIGTERM handling shared by the process entries (main.ts, demo.ts, the simulator CLI):
// the first signal runs `stop` and exits 0 (1 if it fails or outlasts `timeoutMs`); a second one
// more than a second later exits at once. npm and tsx relay a terminal's Ctrl-C to us as well, so a
// repeat within a second is the same request, not an impatient user.
import type { Log } from "./domain/ports.ts";

export function exitOnShutdownSignals(options: { log: Log; timeoutMs: number; stop: () => Promise<void> }): void {
  const { log, timeoutMs, stop } = options;
  let firstSignalAt = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (firstSignalAt && Date.now() - firstSignalAt < 1_000) return;
    if (firstSignalAt) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    firstSignalAt = Date.now();
    log.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      log.error({}, "shutdown timed out");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
