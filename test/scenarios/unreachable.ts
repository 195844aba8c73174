// Shared scenario: a phone goes silent → UNREACHABLE within 1 s of the PBX declaring the contact
// Unreachable (3-8 s later on the lab: next OPTIONS + qualify timeout); it comes back when the
// phone registers / answers again.
import { expect } from "vitest";
import { MAX_LATENCY_MS, pbxReportTime, waitForPbxContact, type ScenarioContext } from "./scenario-context.ts";

export async function silentPhoneBecomesUnreachable(ctx: ScenarioContext, ext: string): Promise<void> {
  expect((await ctx.service.agent(ext))?.status, `${ext} must start AVAILABLE`).toBe("AVAILABLE");
  const mark = ctx.stream.mark();
  const silentSince = Date.now();
  await ctx.pbx.goUnreachable(ext);
  const polledAt = await waitForPbxContact(ctx.pbx, ext, "Unreachable", 15_000);
  const pbx = await pbxReportTime(ctx.pbx, ext, "Unreachable", silentSince, polledAt);
  const seen = await ctx.stream.nextDelta((d) => d.extension === ext && d.status === "UNREACHABLE", {
    after: mark,
    timeoutMs: MAX_LATENCY_MS + 1_000,
    message: `${ext} UNREACHABLE after the PBX said Unreachable`,
  });
  const latency = seen.receivedAt - pbx.at;
  ctx.latencies.set(`${ctx.pbx.name} silent ${ext} → UNREACHABLE${pbx.exact ? "" : " (from our poll)"}`, latency);
  expect(latency).toBeLessThanOrEqual(MAX_LATENCY_MS);
  expect(seen.delta).toMatchObject({ online: false, available: false });
  const silent = await ctx.service.agent(ext);
  expect(silent).toMatchObject({ status: "UNREACHABLE", online: false, available: false });
  expect(silent?.contacts.map((c) => c.status)).toEqual(["Unreachable"]);
}

export async function unreachablePhoneComesBack(ctx: ScenarioContext, ext: string): Promise<void> {
  expect((await ctx.service.agent(ext))?.status, `${ext} must start UNREACHABLE`).toBe("UNREACHABLE");
  const mark = ctx.stream.mark();
  await ctx.pbx.register(ext); // returns when the PBX has the contact Reachable again (next qualify)
  const reportedAt = Date.now();
  const seen = await ctx.stream.nextDelta((d) => d.extension === ext && d.status === "AVAILABLE", {
    after: mark,
    timeoutMs: 5_000,
    message: `${ext} AVAILABLE again`,
  });
  const latency = seen.receivedAt - reportedAt;
  ctx.latencies.set(`${ctx.pbx.name} back ${ext} → AVAILABLE`, latency);
  expect(latency).toBeLessThanOrEqual(MAX_LATENCY_MS);
  const back = await ctx.service.agent(ext);
  expect(back).toMatchObject({ status: "AVAILABLE", online: true, available: true, stale: false });
  expect(back?.contacts.map((c) => c.status)).toEqual(["Reachable"]);
}
