// Shared scenario: a phone registers → the agent is AVAILABLE (online, available) within 1 s of the
// PBX reporting the contact Reachable (the driver's register() returns at that moment).
import { expect } from "vitest";
import { MAX_LATENCY_MS, type ScenarioContext } from "./scenario-context.ts";

export async function registerBecomesAvailable(ctx: ScenarioContext, ext: string): Promise<void> {
  expect((await ctx.service.agent(ext))?.status, `${ext} must start unregistered`).toBe("OFFLINE");
  const mark = ctx.stream.mark();
  await ctx.pbx.register(ext);
  const reportedAt = Date.now();
  const seen = await ctx.stream.nextDelta((d) => d.extension === ext && d.status === "AVAILABLE", {
    after: mark,
    timeoutMs: 5_000,
    message: `${ext} AVAILABLE after register`,
  });
  const latency = seen.receivedAt - reportedAt;
  ctx.latencies.set(`${ctx.pbx.name} register ${ext} → AVAILABLE`, latency);
  expect(latency).toBeLessThanOrEqual(MAX_LATENCY_MS);
  expect(seen.delta).toMatchObject({ online: true, available: true, stale: false, removed: false });

  const agent = await ctx.service.agent(ext);
  expect(agent).toMatchObject({ status: "AVAILABLE", online: true, available: true, stale: false });
  expect(agent?.contacts.map((c) => c.status)).toEqual(["Reachable"]);
}
