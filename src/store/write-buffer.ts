// Between the tracker and the database: coalesces writes per extension (last state wins), flushes them in
// batches within flushIntervalMs of the first pending write, and never loses the final state when the
// database fails: a failed batch goes back to the buffer (unless a newer state arrived) and is retried
// with capped exponential backoff. enqueue() is synchronous so the AMI reader never waits on the database.
// A failed batch is split in halves before it is retried, so one row the database refuses (a "poisoned"
// value) ends up alone, goes to the back of the queue, and never holds back the other extensions'
// writes; after `maxSoloFailures` failures alone while other writes succeed, it is dropped and logged.
import type { ExtensionWrite, Log, StatusStore } from "../domain/ports.ts";

export interface WriteBufferOptions {
  store: Pick<StatusStore, "writeExtensions">;
  log: Log;
  /** Longest wait between the first pending write and its flush (default 100 ms). */
  flushIntervalMs?: number;
  /** Most extensions per writeExtensions call (default 500). */
  maxBatch?: number;
  /** Backoff after a failed batch: starts here, doubles, capped (defaults 100 ms → 5 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** A write that failed alone this many times while others were stored is dropped (default 5). */
  maxSoloFailures?: number;
  /** Called after each stored batch, e.g. to measure event → database latency. */
  onFlushed?: (extensions: string[], at: number) => void;
}

export interface WriteBufferStats {
  /** Writes not stored yet (buffered or in flight). */
  pending: number;
  /** Extension writes stored since start. */
  flushed: number;
  /** Failed batch attempts since start. */
  failures: number;
  /** Writes dropped because the database kept refusing them alone while storing others. */
  dropped: number;
  lastFlushAt: number | null;
  /** When the oldest change not stored yet was enqueued (null: nothing pending). Its age is the alert. */
  oldestPendingAt: number | null;
  /** The last batch attempt failed (the database refuses writes: down, full disk, read-only). */
  failing: boolean;
  /** The most recent failure, kept after recovery: compare lastErrorAt with lastFlushAt. */
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface WriteBuffer {
  enqueue(write: ExtensionWrite): void;
  /**
   * Stores everything buffered so far and anything enqueued meanwhile, retrying while the database fails,
   * until `deadline` (epoch ms; default 10 s from now); then rejects, naming what was not stored (it stays
   * buffered and keeps being retried).
   */
  flush(deadline?: number): Promise<void>;
  stats(): WriteBufferStats;
}

export function createWriteBuffer(options: WriteBufferOptions): WriteBuffer {
  const { store, onFlushed } = options;
  const log = options.log.child({ component: "write-buffer" });
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const maxBatch = options.maxBatch ?? 500;
  const retryInitialMs = options.retryInitialMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 5_000;
  const maxSoloFailures = options.maxSoloFailures ?? 5;

  let pending = new Map<string, Queued>();
  let inFlight: Queued[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let draining: Promise<void> | null = null;
  let retryDelayMs = retryInitialMs;
  /** Shrinks (halves) after a failed batch, grows back (doubles) after each stored one. */
  let batchLimit = maxBatch;
  /** Extension → failures alone; only counted as poison when a write succeeded since (the database is up). */
  const soloFailures = new Map<string, number>();
  let storedSinceSoloFailure = false;
  let wakeFromBackoff: (() => void) | null = null;
  const stats: Omit<WriteBufferStats, "pending" | "oldestPendingAt"> = { flushed: 0, failures: 0, dropped: 0, failing: false, lastFlushAt: null, lastError: null, lastErrorAt: null };

  function enqueue(write: ExtensionWrite): void {
    // A newer state replaces the older one in its place (FIFO by first write) and keeps its age: the
    // database has been behind since the older change. `at` orders writes of several instances (store guard).
    const now = Date.now();
    const previous = pending.get(write.extension);
    // In place: a pending entry is only referenced here (a batch takes its entries out first), and this
    // runs for every AMI event that changes a state.
    if (previous) {
      previous.state = write.state;
      previous.at = write.at ?? now;
    } else pending.set(write.extension, { extension: write.extension, state: write.state, at: write.at ?? now, queuedAt: now });
    if (draining) return; // the running drain picks it up
    if (pending.size >= maxBatch) startDraining();
    else flushTimer ??= setTimeout(startDraining, flushIntervalMs);
  }

  function startDraining(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    draining ??= drain().finally(() => {
      draining = null;
    });
    return draining;
  }

  async function drain(): Promise<void> {
    while (pending.size > 0) {
      const batch: Queued[] = [];
      for (const write of pending.values()) {
        if (batch.length >= batchLimit) break;
        batch.push(write);
      }
      for (const write of batch) pending.delete(write.extension);
      inFlight = batch;
      // Through a promise chain, so that a store throwing synchronously is retried like any other failure.
      // The store sees plain writes; a removal carries its time (a state carries its own updatedAt).
      const writes = batch.map(({ extension, state, at }): ExtensionWrite => (state === null ? { extension, state, at } : { extension, state }));
      const outcome = await Promise.resolve(writes).then(store.writeExtensions.bind(store)).then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      inFlight = [];
      if (outcome.ok) {
        succeeded(batch);
      } else if (batch.length > 1) {
        // Split at once: if one row is refused, the other half goes through on the next attempt.
        batchLimit = Math.ceil(batch.length / 2);
        failed(batch, outcome.error, "front");
      } else {
        failedAlone(batch[0] as Queued, outcome.error);
        await backoff();
      }
    }
  }

  function succeeded(batch: Queued[]): void {
    const at = Date.now();
    stats.failing = false;
    stats.flushed += batch.length;
    stats.lastFlushAt = at;
    retryDelayMs = retryInitialMs;
    batchLimit = Math.min(maxBatch, batchLimit * 2);
    storedSinceSoloFailure = true;
    for (const write of batch) soloFailures.delete(write.extension);
    try {
      onFlushed?.(batch.map((write) => write.extension), at);
    } catch (error) {
      log.warn({ err: errorMessage(error) }, "onFlushed hook failed");
    }
  }

  function failedAlone(write: Queued, error: unknown): void {
    // Counted only while other writes are stored: a database that is down poisons nothing.
    const previous = soloFailures.get(write.extension);
    const failures = previous === undefined ? 1 : previous + (storedSinceSoloFailure ? 1 : 0);
    storedSinceSoloFailure = false;
    if (failures >= maxSoloFailures && !pending.has(write.extension)) {
      soloFailures.delete(write.extension);
      stats.failures += 1;
      stats.dropped += 1;
      stats.lastError = errorMessage(error);
      stats.lastErrorAt = Date.now();
      log.error({ err: stats.lastError, extension: write.extension, attempts: failures }, "the database keeps refusing this agent state alone while storing others: dropped");
      return;
    }
    soloFailures.set(write.extension, failures);
    failed([write], error, "back"); // behind the others: it cannot hold them back
  }

  function failed(batch: Queued[], error: unknown, where: "front" | "back"): void {
    // Put the batch back; a state that arrived meanwhile is newer and wins, with the older age.
    if (where === "front") {
      const restored = new Map(batch.map((write) => [write.extension, write]));
      for (const [extension, write] of pending) restored.set(extension, { ...write, queuedAt: Math.min(write.queuedAt, restored.get(extension)?.queuedAt ?? Infinity) });
      pending = restored;
    } else {
      for (const write of batch) {
        const newer = pending.get(write.extension);
        pending.set(write.extension, newer ? { ...newer, queuedAt: Math.min(newer.queuedAt, write.queuedAt) } : write);
      }
    }
    stats.failing = true;
    stats.failures += 1;
    stats.lastError = errorMessage(error);
    stats.lastErrorAt = Date.now();
    log.warn({ err: stats.lastError, batch: batch.length, pending: pending.size, retryInMs: retryDelayMs }, "storing agent states failed; will retry");
  }

  function backoff(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, retryDelayMs);
      timer.unref(); // a database that stays down must not keep the process alive
      retryDelayMs = Math.min(retryDelayMs * 2, retryMaxMs);
      function done() {
        clearTimeout(timer);
        wakeFromBackoff = null;
        resolve();
      }
      wakeFromBackoff = done;
    });
  }

  async function flush(deadline = Date.now() + 10_000): Promise<void> {
    while (pending.size > 0 || draining) {
      wakeFromBackoff?.(); // retry now rather than after the current backoff
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !(await settlesWithin(startDraining(), remaining))) {
        const notStored = [...inFlight.map((write) => write.extension), ...pending.keys()];
        log.error({ notStored: notStored.length, extensions: notStored.slice(0, 50), lastError: stats.lastError }, "flush timed out; agent states not stored");
        throw new Error(`write buffer flush reached its deadline; ${notStored.length} extension(s) not stored: ${stats.lastError ?? "unknown error"}`);
      }
    }
  }

  return {
    enqueue,
    flush,
    stats: () => {
      let oldest: number | null = null;
      for (const write of inFlight) if (oldest === null || write.queuedAt < oldest) oldest = write.queuedAt;
      for (const write of pending.values()) if (oldest === null || write.queuedAt < oldest) oldest = write.queuedAt;
      return { pending: pending.size + inFlight.length, oldestPendingAt: oldest, ...stats };
    },
  };
}

interface Queued extends ExtensionWrite {
  at: number;
  /** First enqueue of a change not stored yet for this extension. */
  queuedAt: number;
}

/** true if the promise settled within ms (a drain never rejects). */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, Math.min(ms, 2 ** 31 - 1), false)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Several buffers seen as one, for stats and the final flush (a cluster: one buffer per PBX, each behind
 * a store fenced by this instance's leadership of that PBX). Writes go to each PBX's own buffer.
 */
export function combinedWriteBuffer(buffers: readonly WriteBuffer[]): WriteBuffer {
  return {
    enqueue: () => {
      throw new Error("a combined write buffer takes no writes: enqueue on the PBX's own buffer");
    },
    async flush(deadline) {
      const results = await Promise.allSettled(buffers.map((buffer) => buffer.flush(deadline)));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (failed) throw failed.reason;
    },
    stats() {
      const all = buffers.map((buffer) => buffer.stats());
      const sum = (pick: (s: WriteBufferStats) => number) => all.reduce((total, s) => total + pick(s), 0);
      const latest = all.reduce<WriteBufferStats | null>((last, s) => (s.lastErrorAt !== null && (last === null || s.lastErrorAt > last.lastErrorAt!) ? s : last), null);
      const times = (pick: (s: WriteBufferStats) => number | null) => all.map(pick).filter((t): t is number => t !== null);
      const oldest = times((s) => s.oldestPendingAt);
      const flushes = times((s) => s.lastFlushAt);
      return {
        pending: sum((s) => s.pending),
        flushed: sum((s) => s.flushed),
        failures: sum((s) => s.failures),
        dropped: sum((s) => s.dropped),
        lastFlushAt: flushes.length > 0 ? Math.max(...flushes) : null,
        oldestPendingAt: oldest.length > 0 ? Math.min(...oldest) : null,
        failing: all.some((s) => s.failing),
        lastError: latest?.lastError ?? null,
        lastErrorAt: latest?.lastErrorAt ?? null,
      };
    },
  };
}
