// Shared scenario: a registered phone unregisters → OFFLINE, with no contact left.
import { expect } from "vitest";
import { MAX_LATENCY_MS, type ScenarioContext } from "./scenario-context.ts";

export async function unregisterGoesOffline(ctx: ScenarioContext, ext: string): Promise<void> {
  expect((await ctx.service.agent(ext))?.status, `${ext} must start AVAILABLE`).toBe("AVAILABLE");
  const mark = ctx.stream.mark();
  await ctx.pbx.unregister(ext);
  const reportedAt = Date.now(); // the driver returns once the PBX no longer lists the contact
  const seen = await ctx.stream.nextDelta((d) => d.extension === ext && d.status === "OFFLINE", {
    after: mark,
    timeoutMs: 5_000,
    message: `${ext} OFFLINE after unregister`,
  });
  const latency = seen.receivedAt - reportedAt;
  ctx.latencies.set(`${ctx.pbx.name} unregister ${ext} → OFFLINE`, latency);
  expect(latency).toBeLessThanOrEqual(MAX_LATENCY_MS);
  expect(seen.delta).toMatchObject({ online: false, available: false });

  const agent = await ctx.service.agent(ext);
  expect(agent).toMatchObject({ status: "OFFLINE", online: false, available: false, contacts: [] });
}
