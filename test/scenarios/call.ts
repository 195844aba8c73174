// Shared scenario: A calls B → B RINGING, then both ON_CALL, then both AVAILABLE after hang-up,
// as the subscription stream shows it (in that order, nothing else in between).
import { expect } from "vitest";
import type { AgentStatus } from "./agent-api.ts";
import { MAX_LATENCY_MS, type ScenarioContext } from "./scenario-context.ts";

export async function callRingsTalksAndFrees(ctx: ScenarioContext, caller: string, callee: string, talkSeconds = 2): Promise<void> {
  for (const ext of [caller, callee]) expect((await ctx.service.agent(ext))?.status, `${ext} must start AVAILABLE`).toBe("AVAILABLE");
  const mark = ctx.stream.mark();
  const call = ctx.pbx.call(caller, callee, talkSeconds);
  call.catch(() => undefined); // awaited below; a failure must not be reported as unhandled first

  await ctx.stream.nextDelta((d) => d.extension === callee && d.status === "RINGING", { after: mark, timeoutMs: 5_000, message: `${callee} RINGING` });
  await ctx.stream.waitUntil((agents) => agents.get(caller)?.status === "ON_CALL" && agents.get(callee)?.status === "ON_CALL", {
    timeoutMs: 5_000,
    message: `${caller} and ${callee} both ON_CALL`,
  });
  await call;
  const hungUpAt = Date.now();
  await ctx.stream.waitUntil((agents) => agents.get(caller)?.status === "AVAILABLE" && agents.get(callee)?.status === "AVAILABLE", {
    timeoutMs: MAX_LATENCY_MS,
    message: `${caller} and ${callee} both AVAILABLE after hang-up`,
  });
  const deltas = ctx.stream.deltasSince(mark).filter(({ delta }) => delta.extension === caller || delta.extension === callee);
  const lastFree = Math.max(...deltas.filter(({ delta }) => delta.status === "AVAILABLE").map((d) => d.receivedAt));
  ctx.latencies.set(`${ctx.pbx.name} hang-up ${caller}→${callee} → AVAILABLE`, lastFree - hungUpAt);

  const history = (ext: string): AgentStatus[] => deltas.filter(({ delta }) => delta.extension === ext).map(({ delta }) => delta.status);
  expect(history(callee), `${callee} as the stream shows it`).toEqual(["RINGING", "ON_CALL", "AVAILABLE"]);
  // The caller is in use (not ringing) while the callee rings.
  expect(history(caller), `${caller} as the stream shows it`).toEqual(["ON_CALL", "AVAILABLE"]);
  expect(replayBothOnCall(deltas.map((d) => d.delta), caller, callee), "a moment with both ON_CALL").toBe(true);
  for (const ext of [caller, callee]) expect(await ctx.service.agent(ext)).toMatchObject({ status: "AVAILABLE", available: true, stale: false });
}

function replayBothOnCall(deltas: ReadonlyArray<{ extension: string; status: AgentStatus }>, a: string, b: string): boolean {
  const state = new Map<string, AgentStatus>();
  return deltas.some((delta) => {
    state.set(delta.extension, delta.status);
    return state.get(a) === "ON_CALL" && state.get(b) === "ON_CALL";
  });
}
