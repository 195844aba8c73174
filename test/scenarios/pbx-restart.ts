// Shared scenario: `core restart now` with phones registered → the service reconnects, resyncs and
// then equals the PBX's own tables, extension by extension; nothing is left stale.
import { expect } from "vitest";
import { waitForAgreement } from "./pbx-agreement.ts";
import { waitForPbxContact, type ScenarioContext } from "./scenario-context.ts";
import { waitForStreamAgreement } from "./stream-agreement.ts";

export async function pbxRestartResyncs(ctx: ScenarioContext, registered: readonly string[]): Promise<void> {
  for (const ext of registered) expect((await ctx.service.agent(ext))?.status, `${ext} must start AVAILABLE`).toBe("AVAILABLE");
  const before = await ctx.service.amiStatus();
  await ctx.pbx.restart();
  await ctx.service.waitFor(async () => {
    const status = await ctx.service.amiStatus();
    return status.reconnects > before.reconnects && status.connected && status.synced;
  }, 15_000, "reconnected and resynced after the PBX restart");

  // Right after the restart the contacts are back but not yet qualified: the service must say what the PBX says.
  await waitForAgreement(ctx.service, ctx.pbx, { timeoutMs: 10_000 });
  for (const ext of registered) await waitForPbxContact(ctx.pbx, ext, "Reachable", 15_000);
  const { served } = await waitForAgreement(ctx.service, ctx.pbx, { timeoutMs: 5_000 });
  expect(served.filter((a) => a.stale), "stale agents after the resync").toEqual([]);
  for (const ext of registered) expect(served.find((a) => a.extension === ext)).toMatchObject({ status: "AVAILABLE", available: true });
  await waitForStreamAgreement(ctx.stream, ctx.service);
}
