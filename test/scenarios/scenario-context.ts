// What every shared scenario gets: the PBX driver, the running service, an unfiltered subscriber
// that stays connected across scenarios, and a place to put measured latencies.
import type { PbxDriver } from "./pbx-driver.ts";
import type { ServiceProcess } from "./service-process.ts";
import type { SubscriptionRecorder } from "./subscription-recorder.ts";

/** The promise: a PBX change reaches subscribers within 1 s. */
export const MAX_LATENCY_MS = 1_000;

export interface ScenarioContext {
  pbx: PbxDriver;
  service: ServiceProcess;
  stream: SubscriptionRecorder;
  /** name → ms from the PBX reporting a change to the subscriber receiving it (negative: before we saw the PBX report it). */
  latencies: Map<string, number>;
}

/** Polls the PBX's contact table until `ext` has `status` (or no contact at all, for "gone"). */
export async function waitForPbxContact(
  pbx: PbxDriver,
  ext: string,
  status: "Reachable" | "Unreachable" | "NonQualified" | "gone",
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const own = (await pbx.contacts().catch(() => null))?.filter((c) => c.extension === ext);
    if (own && (status === "gone" ? own.length === 0 : own.some((c) => c.status === status))) return Date.now();
    if (Date.now() > deadline) throw new Error(`${pbx.name} did not report ${ext} ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/**
 * When the PBX reported it: its own timestamp when the driver can tell (Asterisk's log, to the
 * millisecond), else `polledAt` (when our contact-table poll noticed, up to a poll period late).
 */
export async function pbxReportTime(pbx: PbxDriver, ext: string, what: "Unreachable" | "gone", since: number, polledAt: number): Promise<{ at: number; exact: boolean }> {
  if (!pbx.reportedAt) return { at: polledAt, exact: false };
  for (let attempt = 0; attempt < 10; attempt++) {
    const at = await pbx.reportedAt(ext, what, since);
    if (at !== null) return { at, exact: true };
    await new Promise((r) => setTimeout(r, 50)); // the log line may trail the table by a moment
  }
  return { at: polledAt, exact: false };
}
