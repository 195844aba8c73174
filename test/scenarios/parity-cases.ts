// The scenarios that need no SIP, as vitest cases with one extension plan, registered by both the
// real-Asterisk suite and the simulator parity suite: same steps, same assertions, so the simulator
// cannot drift from the real thing. Call inside a describe; `context` is read when a case runs.
import { test } from "vitest";
import { callRingsTalksAndFrees } from "./call.ts";
import { pbxRestartResyncs } from "./pbx-restart.ts";
import { registerBecomesAvailable } from "./register.ts";
import type { ScenarioContext } from "./scenario-context.ts";
import { silentPhoneBecomesUnreachable, unreachablePhoneComesBack } from "./unreachable.ts";
import { unregisterGoesOffline } from "./unregister.ts";

/** Extensions the parity cases use; other cases of a suite must stay off them. */
export const PARITY_EXTENSIONS = ["1000", "1001", "1002", "1003", "1004"] as const;

export function parityCases(context: () => ScenarioContext): void {
  test("register → AVAILABLE within 1 s", async () => {
    await registerBecomesAvailable(context(), "1000");
  });

  test("a call A→B: B RINGING, both ON_CALL, both AVAILABLE after hang-up", async () => {
    await registerBecomesAvailable(context(), "1001");
    await registerBecomesAvailable(context(), "1002");
    await callRingsTalksAndFrees(context(), "1001", "1002", 2);
  });

  test("a silent phone → UNREACHABLE within 1 s of the PBX; back when it registers again", async () => {
    await registerBecomesAvailable(context(), "1003");
    await silentPhoneBecomesUnreachable(context(), "1003");
    await unreachablePhoneComesBack(context(), "1003");
  });

  test("unregister → OFFLINE", async () => {
    await registerBecomesAvailable(context(), "1004");
    await unregisterGoesOffline(context(), "1004");
  });

  test("core restart now with phones registered → reconnect, resync, equal to the PBX, nothing stale", async () => {
    await pbxRestartResyncs(context(), ["1000", "1001", "1002", "1003"]);
  });
}
