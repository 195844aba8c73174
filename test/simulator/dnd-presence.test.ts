// DND and presence as the dnd-presence captures show a real Asterisk 22 with FreePBX's hints
// (`PJSIP/N&Custom:DNDN,CustomPresence:N`): each step's events compared with the capture's (within a
// step Asterisk's order varies between runs, so as a sorted list), and the actions answered byte for byte.
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import { AmiRawClient, type ReceivedMessage } from "../helpers/ami-raw-client.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";
import { fixtureBytes, fixtureClientBytes, fixtureSections } from "./fixture-captures.ts";

const simulators: Simulator[] = [];
const clients: AmiRawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

/** The lab of the captures: 20 extensions in context `lab`, queues support and sales without members. */
async function lab(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({ agents: 20, registered: 1, context: "lab", queues: [{ name: "support" }, { name: "sales" }], ...options });
  simulators.push(sim);
  return sim;
}

async function connect(sim: Simulator): Promise<AmiRawClient> {
  const client = await AmiRawClient.connect(sim.port, sim.host);
  clients.push(client);
  return client;
}

/** Runs each step and returns the live events it produced (sorted texts), one list per step. */
async function stepEvents(client: AmiRawClient, steps: ReadonlyArray<() => Promise<unknown>>): Promise<string[][]> {
  const out: string[][] = [];
  for (const step of steps) {
    const before = client.liveEvents().length;
    await step();
    await sleep(30);
    out.push(client.liveEvents().slice(before).map((m: ReceivedMessage) => m.frame.text).sort());
  }
  return out;
}

describe("DND and presence (dnd-presence)", () => {
  it("dnd on, away for lunch, available, dnd off, unregister: each step sends the capture's events", async () => {
    const sim = await lab();
    const client = await connect(sim);
    await client.login({ events: "on" });
    await client.next((m) => m.raw.event === "FullyBooted");
    const simulated = await stepEvents(client, [
      () => sim.dnd("1000", true),
      () => sim.presence("1000", "away", "lunch", "Back at 2 pm"),
      () => sim.presence("1000", "available"),
      () => sim.dnd("1000", false),
      () => sim.unregister("1000"),
    ]);
    const captured = fixtureSections("dnd-presence")
      .slice(1)
      .filter((s) => !s.mark.startsWith("actions on a separate connection"))
      .map((s) => s.frames.map((f) => f.text).sort());
    expect(simulated).toEqual(captured);
  });

  it("the hint no longer tells the phone's state: Busy under DND whatever the phone does, Idle after DND off even unregistered", async () => {
    const sim = await lab({ registered: 0 });
    const client = await connect(sim);
    await client.login({ events: "on" });
    const hintStatuses = (steps: string[][]) => steps.map((events) => events.filter((e) => e.startsWith("Event: ExtensionStatus")).map((e) => /StatusText: (.*)/.exec(e)?.[1]));
    const steps = await stepEvents(client, [
      () => sim.register("1000"),
      () => sim.dnd("1000", true),
      () => sim.unregister("1000"),
      () => sim.register("1000"),
      () => sim.dnd("1000", false),
      () => sim.unregister("1000"),
    ]);
    expect(hintStatuses(steps)).toEqual([["Idle"], ["Busy"], [], [], ["Idle"], []]);
    expect(steps[5]?.some((e) => e.includes("Device: PJSIP/1000\r\nState: UNAVAILABLE"))).toBe(true);
  });

  it("a call under DND: the hint reads InUse&Ringing while it rings, then Busy", async () => {
    const sim = await lab({ registered: 2 });
    await sim.dnd("1001", true);
    const client = await connect(sim);
    await client.login({ events: "on" });
    await sim.call("1000", "1001", { ringMs: 20, talkMs: 20 });
    await sleep(20);
    const hint1001 = client.liveEvents().filter((m) => m.raw.event === "ExtensionStatus" && m.raw.exten === "1001").map((m) => m.raw.statustext);
    expect(hint1001).toEqual(["InUse&Ringing", "Busy"]);
  });

  it("answers ExtensionState, PresenceState, PresenceStateList and DeviceStateList like dnd-presence-actions, byte for byte", async () => {
    const sim = await lab();
    await sim.dnd("1000", true);
    await sim.presence("1000", "away", "lunch", "Back at 2 pm");
    const client = await connect(sim);
    client.send(fixtureClientBytes("dnd-presence-actions"));
    await waitFor(() => client.messages.some((m) => m.raw.event === "DeviceStateListComplete"));
    expect(client.bytes()).toBe(fixtureBytes("dnd-presence-actions"));
  });

  it("PresenceState of a presence never set, of no provider and of an unknown provider", async () => {
    const sim = await lab();
    const client = await connect(sim);
    await client.login({ events: "off" });
    const ask = async (id: string, provider?: string) => {
      client.action({ Action: "PresenceState", ActionID: id, ...(provider === undefined ? {} : { Provider: provider }) });
      return (await client.next((m) => m.raw.actionid === id)).frame.text;
    };
    expect(await ask("a", "CustomPresence:1001")).toBe("Response: Success\r\nActionID: a\r\nMessage: Presence State\r\nState: not_set");
    expect(await ask("b")).toBe("Response: Error\r\nActionID: b\r\nMessage: No provider specified");
    expect(await ask("c", "Foo:1")).toBe("Response: Error\r\nActionID: c\r\nMessage: Invalid provider Foo:1 or provider in invalid state");
  });
});
