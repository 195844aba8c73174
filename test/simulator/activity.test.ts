// The random activity driver: it holds the target event rate, settles on a realistic mix (most
// agents registered, a good share on calls, a few unreachable), stops when asked, and does nothing
// while Asterisk is restarting.
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import { AmiRawClient } from "../helpers/ami-raw-client.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

const FAST_CALLS = { ringMs: [50, 150], talkMs: [200, 600] } as const;
const simulators: Simulator[] = [];

afterEach(async () => {
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

async function simulator(options: Partial<SimulatorOptions>): Promise<Simulator> {
  const sim = await startSimulator({ agents: 500, qualifyDelayMs: 50, callTiming: FAST_CALLS, ...options });
  simulators.push(sim);
  return sim;
}

function mix(sim: Simulator): { registered: number; onCall: number; unreachable: number } {
  const contacts = sim.contacts();
  const endpoints = sim.endpoints();
  return {
    registered: contacts.length / endpoints.length,
    onCall: endpoints.filter((e) => e.deviceState === "In use" || e.deviceState === "Ringing").length / endpoints.length,
    unreachable: contacts.filter((c) => c.status === "Unreachable").length / endpoints.length,
  };
}

describe("random activity", () => {
  it("holds the target rate of state events", async () => {
    const sim = await simulator({ agents: 1_000, eventsPerSecond: 3_000 });
    await sleep(400); // past the initial rush into calls
    const before = sim.stats().stateEventsEmitted;
    const startedAt = performance.now();
    await sleep(1_000);
    const rate = (sim.stats().stateEventsEmitted - before) / ((performance.now() - startedAt) / 1000);
    expect(rate).toBeGreaterThan(3_000 * 0.8);
    expect(rate).toBeLessThan(3_000 * 1.2);
  });

  it("settles on a realistic mix: most registered, a good share on calls, a few unreachable; every kind of change happens", async () => {
    const sim = await simulator({ eventsPerSecond: 4_000 });
    const client = await AmiRawClient.connect(sim.port);
    await client.login();
    await sleep(1_500);
    const samples: Array<ReturnType<typeof mix>> = [];
    for (let i = 0; i < 5; i += 1) {
      samples.push(mix(sim));
      await sleep(100);
    }
    client.close();
    const average = (key: keyof ReturnType<typeof mix>) => samples.reduce((sum, s) => sum + s[key], 0) / samples.length;
    expect(average("registered")).toBeGreaterThan(0.75);
    expect(average("registered")).toBeLessThan(0.97);
    expect(average("onCall")).toBeGreaterThan(0.15);
    expect(average("onCall")).toBeLessThan(0.5);
    expect(average("unreachable")).toBeLessThan(0.1);
    const seen = new Set(client.liveEvents().map((m) => `${m.raw.event} ${m.raw.contactstatus ?? m.raw.state ?? m.raw.statustext ?? m.raw.peerstatus}`));
    for (const kind of ["ContactStatus NonQualified", "ContactStatus Reachable", "ContactStatus Unreachable", "ContactStatus Removed", "DeviceStateChange RINGING", "DeviceStateChange INUSE", "ExtensionStatus Unavailable", "PeerStatus Unreachable", "Newchannel undefined", "Hangup undefined"]) {
      expect(seen, kind).toContain(kind);
    }
  });

  it("with queues: agents go on DND, away with a message, pause with a reason and take queue calls, each near its target share", async () => {
    const agents = 400;
    const sim = await simulator({
      agents,
      eventsPerSecond: 3_000,
      queues: [{ name: "support", wrapupSeconds: 1 }, { name: "sales", wrapupSeconds: 1 }],
      queueMembers: { support: Array.from({ length: agents }, (_, i) => String(1000 + i)), sales: Array.from({ length: agents / 2 }, (_, i) => String(1000 + 2 * i)) },
      queueRetryMs: 50,
    });
    const client = await AmiRawClient.connect(sim.port);
    await client.login();
    await sleep(2_000);
    const layers = sim.agentLayers();
    const members = sim.queues().flatMap((q) => q.members);
    client.close();
    const share = (n: number, of: number) => n / of;
    const dnd = share(layers.filter((a) => a.dnd).length, agents);
    const away = share(layers.filter((a) => ["away", "xa", "unavailable"].includes(a.presence.state)).length, agents);
    const paused = share(members.filter((m) => m.paused).length, members.length);
    expect(dnd).toBeGreaterThan(0.01);
    expect(dnd).toBeLessThan(0.15);
    expect(away).toBeGreaterThan(0.02);
    expect(away).toBeLessThan(0.2);
    expect(paused).toBeGreaterThan(0.04);
    expect(paused).toBeLessThan(0.25);
    expect(new Set(members.filter((m) => m.paused).map((m) => m.reason))).toEqual(new Set(["Lunch", "Break", "Training"]));
    expect(members.some((m) => m.callsTaken > 0 && m.lastCall > 0)).toBe(true);

    const events = client.liveEvents();
    const seen = new Set(events.map((m) => String(m.raw.event)));
    for (const kind of ["PresenceStateChange", "PresenceStatus", "QueueMemberPause", "QueueMemberStatus", "QueueCallerJoin", "AgentConnect", "AgentComplete"]) expect(seen, kind).toContain(kind);
    expect(events.some((m) => m.raw.event === "PresenceStateChange" && m.raw.status === "away" && m.raw.message !== "")).toBe(true);
    expect(events.some((m) => m.raw.event === "DeviceStateChange" && String(m.raw.device).startsWith("Custom:DND") && m.raw.state === "BUSY")).toBe(true);
    // Still mostly a phone simulator: the new layer is a minority of the state events.
    const layerEvents = events.filter((m) => ["PresenceStateChange", "PresenceStatus", "QueueMemberPause"].includes(String(m.raw.event))).length;
    expect(layerEvents / events.length).toBeLessThan(0.3);
  });

  it("the call-centre mix is configurable: a higher DND target is reached, no queue calls when their share is 0", async () => {
    const agents = 200;
    const sim = await simulator({
      agents,
      eventsPerSecond: 3_000,
      queues: [{ name: "support", wrapupSeconds: 1 }],
      queueMembers: { support: Array.from({ length: agents }, (_, i) => String(1000 + i)) },
      agentTargets: { dnd: 0.3 },
      queueCallShare: 0,
    });
    const client = await AmiRawClient.connect(sim.port);
    await client.login();
    await sleep(1_500);
    client.close();
    expect(sim.agentLayers().filter((a) => a.dnd).length / agents).toBeGreaterThan(0.18);
    expect(client.liveEvents().filter((m) => m.raw.event === "QueueCallerJoin")).toEqual([]);
    expect(client.liveEvents().some((m) => m.raw.event === "QueueMemberPause")).toBe(true);
  });

  it("stops at rate 0 (running calls still end normally) and starts again", async () => {
    const sim = await simulator({ agents: 100, eventsPerSecond: 1_000 });
    await waitFor(() => sim.stats().activeCalls > 0);
    sim.setEventRate(0);
    await waitFor(() => sim.stats().activeCalls === 0, { message: "calls ended" });
    await sleep(100); // a pending qualify may still fire
    const quiet = sim.stats().stateEventsEmitted;
    await sleep(200);
    expect(sim.stats().stateEventsEmitted).toBe(quiet);
    sim.setEventRate(500);
    await waitFor(() => sim.stats().stateEventsEmitted > quiet);
    expect(() => sim.setEventRate(-1)).toThrow(RangeError);
  });

  it("does nothing while Asterisk is restarting", async () => {
    const sim = await simulator({ agents: 100, eventsPerSecond: 1_000, restartQualifyMs: 10_000 });
    await sleep(100);
    const restarted = sim.restart({ downMs: 300 });
    await sleep(100); // Shutdown sent, connections closed: Asterisk is down
    const during = sim.stats();
    await sleep(150);
    expect(sim.stats().eventsEmitted).toBe(during.eventsEmitted);
    expect(during.activeCalls).toBe(0);
    await restarted;
    await waitFor(() => sim.stats().eventsEmitted > during.eventsEmitted, { message: "activity after the restart" });
    await expect(sim.register("9999")).rejects.toThrow(/unknown extension/);
  });
});
