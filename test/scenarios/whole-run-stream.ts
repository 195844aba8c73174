// Shared final check: the subscriber connected since the start of the run got one snapshot and then
// deltas with seq strictly +1 (no gap, duplicate or reordering), and its view equals a fresh
// `agents` query and the PBX's own tables.
import { expect } from "vitest";
import { waitForAgreement } from "./pbx-agreement.ts";
import type { ScenarioContext } from "./scenario-context.ts";
import { waitForStreamAgreement } from "./stream-agreement.ts";

export async function wholeRunStreamIsSound(ctx: ScenarioContext): Promise<void> {
  expect(ctx.stream.connectionCount, "one websocket connection for the whole run").toBe(1);
  expect(ctx.stream.snapshotCount, "one snapshot, then deltas only").toBe(1);
  expect(ctx.stream.problems()).toEqual([]);
  await waitForAgreement(ctx.service, ctx.pbx, { timeoutMs: 5_000 });
  await waitForStreamAgreement(ctx.stream, ctx.service);
  console.info(`${ctx.pbx.name}: whole-run subscriber got 1 snapshot and ${ctx.stream.deltasSince(0).length} deltas`);
}
