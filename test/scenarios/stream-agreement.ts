// A subscriber's view (snapshot + deltas applied) must equal a fresh `agents` query.
import type { ServiceProcess } from "./service-process.ts";
import type { SubscriptionRecorder } from "./subscription-recorder.ts";

export function streamDifferences(recorder: SubscriptionRecorder, served: ReadonlyArray<{ extension: string; status: string; online: boolean; available: boolean; stale: boolean }>): string[] {
  const problems: string[] = [];
  const byExtension = new Map(served.map((a) => [a.extension, a]));
  for (const agent of served) {
    const seen = recorder.agents.get(agent.extension);
    const want = `${agent.status} online=${agent.online} available=${agent.available} stale=${agent.stale}`;
    const got = seen ? `${seen.status} online=${seen.online} available=${seen.available} stale=${seen.stale}` : "absent";
    if (want !== got) problems.push(`${agent.extension}: stream ${got}, query ${want}`);
  }
  for (const extension of recorder.agents.keys()) if (!byExtension.has(extension)) problems.push(`${extension}: in the stream, not in the query`);
  return problems;
}

/** Deltas travel milliseconds behind the query: allow a short settle time. */
export async function waitForStreamAgreement(recorder: SubscriptionRecorder, service: ServiceProcess, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problems = streamDifferences(recorder, await service.agents());
    if (problems.length === 0) return;
    if (Date.now() > deadline) throw new Error(`subscriber view differs from a fresh agents query:\n  ${problems.join("\n  ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
