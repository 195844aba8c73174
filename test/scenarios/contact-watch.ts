// Watches the PBX's contact table in the background while other cases run, for slow events such as
// a contact's expiry (~60-90 s): resolves with the time the contact was first seen gone. "Gone" must
// hold on two polls at least 300 ms apart, so an empty table while the PBX restarts does not count.
import type { PbxDriver } from "./pbx-driver.ts";

export interface ContactWatch {
  /** Epoch ms when the PBX first listed no contact for the extension. */
  readonly goneAt: Promise<number>;
  stop(): void;
}

export function watchContactGone(pbx: PbxDriver, ext: string, options: { timeoutMs: number; intervalMs?: number }): ContactWatch {
  let stopped = false;
  const goneAt = (async () => {
    const deadline = Date.now() + options.timeoutMs;
    let firstGone: number | null = null;
    while (!stopped) {
      const contacts = await pbx.contacts().catch(() => null);
      const now = Date.now();
      if (contacts && !contacts.some((c) => c.extension === ext)) {
        firstGone ??= now;
        if (now - firstGone >= 300) return firstGone;
      } else if (contacts) {
        firstGone = null;
      }
      if (now > deadline) throw new Error(`${pbx.name} still lists a contact for ${ext} after ${options.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
    }
    throw new Error(`watch of ${ext} stopped`);
  })();
  goneAt.catch(() => undefined); // awaited by the case that needs it
  return {
    goneAt,
    stop: () => {
      stopped = true;
    },
  };
}
