// Parity with the real thing at the level the service sees: the real AMI bridge (src/ami) connected
// to the simulator gets, for each scenario, the same normalized facts, in the same groups, as the
// normalizer gets from the capture of that scenario on a real Asterisk 22. Within a group Asterisk's
// order varies from run to run, so groups are compared as multisets; the contact facts' own order
// (NonQualified before Reachable) is compared as is.
import { afterEach, describe, expect, it } from "vitest";
import { AmiBridge } from "../../src/ami/ami-bridge.ts";
import type { AmiListener } from "../../src/domain/ports.ts";
import type { AsteriskSnapshot, Fact } from "../../src/domain/types.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import { normalize } from "../../src/ami/normalize.ts";
import { parseFrame } from "../helpers/ami-frames.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";
import { canonicalFact, canonicalListContact, captureFactGroups, captureListFacts, groupByGap, timedCaptureMessages } from "./capture-facts.ts";
import { FIXTURES_DIR, fixtureSections } from "./fixture-captures.ts";

/** Pause between steps: longer than the grouping gap, so each step is its own group. */
const STEP_PAUSE_MS = 120;
const GAP_MS = 50;

class Recorder implements AmiListener {
  readonly facts: Array<{ fact: Fact; at: number }> = [];
  readonly snapshots: AsteriskSnapshot[] = [];
  readonly connections: boolean[] = [];

  onFact(fact: Fact): void {
    this.facts.push({ fact, at: Date.now() });
  }
  onSnapshot(snapshot: AsteriskSnapshot): void {
    this.snapshots.push(snapshot);
  }
  onConnectionChange(connected: boolean): void {
    this.connections.push(connected);
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connected(options: Partial<SimulatorOptions>): Promise<{ sim: Simulator; recorder: Recorder }> {
  // These captures were recorded with the old hints (`Hint: PJSIP/1000`), which the normalizer reads as device facts.
  const sim = await startSimulator({ agents: 20, registered: 0, qualifyDelayMs: 30, hintLayout: "device", ...options });
  cleanups.push(() => sim.close());
  const recorder = new Recorder();
  const bridge = new AmiBridge({
    host: sim.host,
    port: sim.port,
    username: "crm",
    secret: "crmsecret",
    listener: recorder,
    log: new MemoryLog(),
    actionTimeoutMs: 2_000,
    connectTimeoutMs: 2_000,
    reconnectInitialMs: 20,
    reconnectMaxMs: 100,
    resyncRetryMs: 100,
  });
  cleanups.push(() => bridge.stop());
  bridge.start();
  await waitFor(() => recorder.snapshots.length === 1, { message: "first resync" });
  return { sim, recorder };
}

/** Runs the steps a pause apart; returns the facts the bridge delivered meanwhile, grouped like the captures. */
async function run(recorder: Recorder, steps: ReadonlyArray<() => Promise<void>>): Promise<Fact[][]> {
  const start = recorder.facts.length;
  for (const step of steps) {
    await step();
    await sleep(STEP_PAUSE_MS);
  }
  return groupByGap(recorder.facts.slice(start), GAP_MS);
}

function multisets(groups: Fact[][]): string[][] {
  return groups.map((group) => group.map(canonicalFact).sort());
}

function contactOrder(groups: Fact[][]): string[][] {
  return groups.map((group) => group.filter((f) => f.kind === "contact" || f.kind === "contactRemoved").map(canonicalFact));
}

function expectSameFacts(simulated: Fact[][], captured: Fact[][]): void {
  expect(multisets(simulated)).toEqual(multisets(captured));
  expect(contactOrder(simulated)).toEqual(contactOrder(captured));
}

describe("the bridge gets the capture's facts from the simulator", () => {
  it("register (register-reachable: 1000, then 1001)", async () => {
    const { sim, recorder } = await connected({});
    const groups = await run(recorder, [() => sim.register("1000"), () => sim.register("1001")]);
    expectSameFacts(groups, captureFactGroups("register-reachable"));
  });

  it("unregister (unregister: 1000 registers, then sends Expires: 0)", async () => {
    const { sim, recorder } = await connected({});
    const groups = await run(recorder, [() => sim.register("1000"), () => sim.unregister("1000")]);
    expectSameFacts(groups, captureFactGroups("unregister"));
  });

  it("unreachable and back (qualify-timeout: 1002 registers, goes silent, answers again)", async () => {
    const { sim, recorder } = await connected({ qualifyDelayMs: 40 });
    const groups = await run(recorder, [() => sim.register("1002"), () => sim.goUnreachable("1002"), () => sim.answerAgain("1002")]);
    expectSameFacts(groups, captureFactGroups("qualify-timeout"));
  });

  it("a call (call-inuse: 1000 calls 1001, ring, answer, talk, hang-up)", async () => {
    const { sim, recorder } = await connected({ registered: 2 });
    const groups = await run(recorder, [() => sim.call("1000", "1001", { ringMs: 150, talkMs: 150 })]);
    expectSameFacts(groups, captureFactGroups("call-inuse"));
  });

  it("restart (restart: Shutdown, reconnect, resync lists NonQualified/UNAVAILABLE, then re-qualified)", async () => {
    const { sim, recorder } = await connected({ registered: 2, restartQualifyMs: 700 });
    const start = recorder.facts.length;
    await sim.restart({ downMs: 100 });
    await waitFor(() => recorder.snapshots.length === 2, { message: "resync after the restart" });
    await waitFor(() => recorder.facts.length - start >= 8, { message: "re-qualified contacts" });
    await sleep(STEP_PAUSE_MS);

    const secondLogin = timedCaptureMessages("restart").findIndex((m) => m.raw.actionid === "login-1");
    const expectedList = captureListFacts("restart", secondLogin);
    const snapshot = recorder.snapshots[1] as AsteriskSnapshot;
    expect(snapshot.contacts.map((c) => canonicalListContact(c.endpoint, c.contact))).toEqual(expectedList.contacts);
    expect(snapshot.deviceStates).toEqual(expectedList.deviceStates);
    expect(recorder.connections).toEqual([true, false, true]);

    const live = recorder.facts.slice(start).map((f) => canonicalFact(f.fact)).sort();
    expect(live).toEqual(captureFactGroups("restart", { from: secondLogin }).flat().map(canonicalFact).sort());
  });
});

describe("the bridge gets the facts of the newer captures from the simulator (FreePBX hints, app_queue)", () => {
  /** The lab of dnd-presence and queue-*: FreePBX hints in context lab, queues support (2000) and sales (2001). */
  const lab: Partial<SimulatorOptions> = {
    context: "lab",
    hintLayout: "freepbx",
    queues: [
      { name: "support", extension: "2000", wrapupSeconds: 5 },
      { name: "sales", extension: "2001", wrapupSeconds: 5 },
    ],
    queueRetryMs: 50,
  };
  const fromFixtures = { dir: FIXTURES_DIR };

  it("DND and presence (dnd-presence: dnd on, away for lunch, available, dnd off, unregister)", async () => {
    const { sim, recorder } = await connected({ ...lab, registered: 1 });
    const groups = await run(recorder, [
      () => sim.dnd("1000", true),
      () => sim.presence("1000", "away", "lunch", "Back at 2 pm"),
      () => sim.presence("1000", "available"),
      () => sim.dnd("1000", false),
      () => sim.unregister("1000"),
    ]);
    expectSameFacts(groups, captureFactGroups("dnd-presence", fromFixtures));
  });

  // The bridge holds a pause device back while QueueMember* events come (they carry the reason), so
  // the capture's `queuePause` facts are not expected from it.
  const withoutPauseDevices = (groups: Fact[][]) => groups.map((g) => g.filter((f) => f.kind !== "queuePause")).filter((g) => g.length > 0);

  it("queue members (queue-member: add, add paused, pause for Lunch, unpause, remove, remove paused)", async () => {
    const { sim, recorder } = await connected({ ...lab, registered: 2 });
    const groups = await run(recorder, [
      () => sim.queueAdd("1000", "support", { memberName: "Lab 1000" }),
      () => sim.queueAdd("1001", "support", { memberName: "Lab 1001", paused: true }),
      () => sim.queuePause("1000", "support", "Lunch"),
      () => sim.queueUnpause("1000", "support"),
      () => sim.queueRemove("1000", "support"),
      () => sim.queueRemove("1001", "support"),
    ]);
    expectSameFacts(groups, withoutPauseDevices(captureFactGroups("queue-member", fromFixtures)));
  });

  it("a queue call (queue-call-wrapup, first call: 1005 calls support, 1000 answers; the same facts, whose grouping follows the lab's dialplan pauses)", async () => {
    const { sim, recorder } = await connected({ ...lab, registered: 7 });
    await sim.queueAdd("1000", "support", { memberName: "Lab 1000" });
    await sleep(STEP_PAUSE_MS);
    const groups = await run(recorder, [() => sim.queueCall("1005", "support", { ringMs: 150, talkMs: 150 }).then(() => undefined)]);
    const [, callStart, callEnd] = fixtureSections("queue-call-wrapup");
    const captured = [...(callStart?.frames ?? []), ...(callEnd?.frames ?? [])].flatMap((frame) => {
      const result = normalize(parseFrame(frame.text));
      return result.kind === "facts" ? result.facts : [];
    });
    expect(captured.length).toBeGreaterThan(5);
    expect(groups.flat().map(canonicalFact).sort()).toEqual(captured.map(canonicalFact).sort());
  });
});
