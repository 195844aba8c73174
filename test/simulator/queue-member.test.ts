// Queue membership and pauses as the queue-member captures show app_queue on a real Asterisk 22:
// each CLI step's events in the capture's order (only the Unix seconds differ), QueueStatus and the
// other resync lists, the write actions a CRM sends (QueuePause, QueueAdd, QueueRemove, Setvar) with
// Asterisk's own error messages, the AMI user's read/write classes, and members kept over a restart.
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import type { AmiFrame } from "../helpers/ami-frames.ts";
import { AmiRawClient } from "../helpers/ami-raw-client.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";
import { fixtureAnswer, fixtureClientBytes, fixtureSections, headerNames, withoutClock } from "./fixture-captures.ts";

const simulators: Simulator[] = [];
const clients: AmiRawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

async function lab(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({ agents: 20, registered: 2, context: "lab", queues: [{ name: "support" }, { name: "sales" }], ...options });
  simulators.push(sim);
  return sim;
}

async function connect(sim: Simulator, events = "on"): Promise<AmiRawClient> {
  const client = await AmiRawClient.connect(sim.port, sim.host);
  clients.push(client);
  await client.login({ events });
  return client;
}

async function answer(client: AmiRawClient, headers: Record<string, string>): Promise<string> {
  client.action(headers);
  return (await client.next((m) => m.raw.actionid === headers.ActionID && m.raw.response !== undefined)).frame.text;
}

const lab1000 = { memberName: "Lab 1000" };
const lab1001 = { memberName: "Lab 1001" };

describe("queue members (queue-member)", () => {
  it("add, add paused, pause with a reason, unpause, remove, remove while paused: the capture's events in its order", async () => {
    const sim = await lab();
    const client = await connect(sim);
    const steps = [
      () => sim.queueAdd("1000", "support", lab1000),
      () => sim.queueAdd("1001", "support", { ...lab1001, paused: true }),
      () => sim.queuePause("1000", "support", "Lunch"),
      () => sim.queueUnpause("1000", "support"),
      () => sim.queueRemove("1000", "support"),
      () => sim.queueRemove("1001", "support"),
    ];
    const simulated: string[][] = [];
    for (const step of steps) {
      const before = client.liveEvents().length;
      await step();
      await sleep(20);
      simulated.push(client.liveEvents().slice(before).map((m) => withoutClock(m.frame)));
    }
    await sleep(20);
    const captured = fixtureSections("queue-member")
      .slice(1)
      .filter((s) => !s.mark.startsWith("actions on a separate connection"))
      .map((s) => s.frames.map(withoutClock));
    expect(simulated).toEqual(captured);
  });

  it("keeps the capture's clock relations: LastPause is set by a pause and kept by the unpause; LoginTime is the add", async () => {
    const sim = await lab();
    const client = await connect(sim);
    const before = Math.floor(Date.now() / 1000);
    await sim.queueAdd("1000", "support", lab1000);
    await sim.queuePause("1000", "support", "Lunch");
    await sim.queueUnpause("1000", "support");
    const after = Math.floor(Date.now() / 1000);
    await waitFor(() => client.liveEvents().filter((m) => m.raw.event === "QueueMemberPause").length === 2);
    const events = client.liveEvents().filter((m) => String(m.raw.event).startsWith("QueueMember"));
    const [added, paused, unpaused] = events.map((m) => m.raw);
    expect(added).toMatchObject({ lastpause: "0", paused: "0" });
    expect(Number(added?.logintime)).toBeGreaterThanOrEqual(before);
    expect(Number(paused?.lastpause)).toBeGreaterThanOrEqual(before);
    expect(Number(paused?.lastpause)).toBeLessThanOrEqual(after);
    expect(unpaused).toMatchObject({ lastpause: paused?.lastpause, paused: "0", pausedreason: "" });
  });

  it("answers QueueStatus, QueueSummary, PresenceStateList, DeviceStateList and ExtensionStateList like queue-member-actions", async () => {
    const sim = await lab();
    await sim.queueAdd("1000", "support", lab1000);
    await sim.queueAdd("1001", "support", { ...lab1001, paused: true });
    await sim.queuePause("1000", "support", "Lunch");
    const client = await AmiRawClient.connect(sim.port, sim.host);
    clients.push(client);
    client.send(fixtureClientBytes("queue-member-actions"));
    await waitFor(() => client.messages.some((m) => m.raw.event === "ExtensionStateListComplete"));
    const ours = (id: string): AmiFrame[] => client.messages.filter((m) => m.raw.actionid === id).map((m) => m.frame);
    const theirs = (id: string): AmiFrame[] => fixtureAnswer("queue-member-actions", id);

    // QueueStatus: app_queue lists members in hash order, so they are compared as a set.
    const status = ours("cap-1");
    const expected = theirs("cap-1");
    expect(status.map(headerNames)).toEqual(expected.map(headerNames));
    expect(status.map(withoutClock).sort()).toEqual(expected.map(withoutClock).sort());
    expect(status.at(-1)?.text).toContain("ListItems: 4");

    expect(ours("cap-2")).toEqual(theirs("cap-2"));
    expect(ours("cap-3")).toEqual(theirs("cap-3"));
    expect(ours("cap-4")).toEqual(theirs("cap-4"));
    expect(ours("cap-5").map((f) => f.text).sort()).toEqual(theirs("cap-5").map((f) => f.text).sort());
  });

  it("QueueStatus with no queue, and for an unknown queue, is an empty list, not an error", async () => {
    for (const sim of [await lab({ queues: [] }), await lab()]) {
      const client = await connect(sim, "off");
      client.action({ Action: "QueueStatus", ActionID: "q", ...(sim === simulators[1] ? { Queue: "nosuch" } : {}) });
      expect((await client.list("q")).map((m) => m.frame.text)).toEqual([
        "Response: Success\r\nActionID: q\r\nEventList: start\r\nMessage: Queue status will follow",
        "Event: QueueStatusComplete\r\nActionID: q\r\nEventList: Complete\r\nListItems: 0",
      ]);
    }
  });
});

describe("write actions", () => {
  it("QueuePause pauses with the reason and unpauses, sending the events a CLI pause sends; unknown members are Asterisk's errors", async () => {
    const sim = await lab();
    await sim.queueAdd("1000", "support", lab1000);
    const client = await connect(sim);
    const pause = await answer(client, { Action: "QueuePause", ActionID: "p1", Interface: "PJSIP/1000", Queue: "support", Paused: "true", Reason: "Lunch" });
    expect(pause).toBe("Response: Success\r\nActionID: p1\r\nMessage: Interface paused successfully");
    const event = await client.next((m) => m.raw.event === "QueueMemberPause");
    expect(event.raw).toMatchObject({ queue: "support", interface: "PJSIP/1000", paused: "1", pausedreason: "Lunch" });
    expect(await answer(client, { Action: "QueuePause", ActionID: "p2", Interface: "PJSIP/1000", Paused: "false" })).toBe(
      "Response: Success\r\nActionID: p2\r\nMessage: Interface unpaused successfully",
    );
    expect((await client.next((m) => m.raw.event === "QueueMemberPause")).raw).toMatchObject({ paused: "0", pausedreason: "" });

    expect(await answer(client, { Action: "QueuePause", ActionID: "e1", Interface: "PJSIP/1019", Paused: "true" })).toBe("Response: Error\r\nActionID: e1\r\nMessage: Interface not found");
    expect(await answer(client, { Action: "QueuePause", ActionID: "e2", Interface: "PJSIP/1000", Queue: "nosuch", Paused: "true" })).toBe("Response: Error\r\nActionID: e2\r\nMessage: Interface not found");
    expect(await answer(client, { Action: "QueuePause", ActionID: "e3", Interface: "PJSIP/1000" })).toBe("Response: Error\r\nActionID: e3\r\nMessage: Need 'Interface' and 'Paused' parameters.");
  });

  it("QueueAdd and QueueRemove, with app_queue's messages for what cannot be done", async () => {
    const sim = await lab();
    const client = await connect(sim);
    const add = { Action: "QueueAdd", Queue: "sales", Interface: "PJSIP/1001", MemberName: "Lab 1001", Paused: "yes", Reason: "Training" };
    expect(await answer(client, { ...add, ActionID: "a1" })).toBe("Response: Success\r\nActionID: a1\r\nMessage: Added interface to queue");
    expect((await client.next((m) => m.raw.event === "QueueMemberAdded")).raw).toMatchObject({ queue: "sales", membername: "Lab 1001", paused: "1", pausedreason: "Training" });
    expect(await answer(client, { ...add, ActionID: "a2" })).toBe("Response: Error\r\nActionID: a2\r\nMessage: Unable to add interface: Already there");
    expect(await answer(client, { ...add, Queue: "nosuch", ActionID: "a3" })).toBe("Response: Error\r\nActionID: a3\r\nMessage: Unable to add interface to queue: No such queue");
    expect(await answer(client, { Action: "QueueAdd", ActionID: "a4", Queue: "sales" })).toBe("Response: Error\r\nActionID: a4\r\nMessage: 'Interface' not specified.");

    const remove = { Action: "QueueRemove", Queue: "sales", Interface: "PJSIP/1001" };
    expect(await answer(client, { ...remove, ActionID: "r1" })).toBe("Response: Success\r\nActionID: r1\r\nMessage: Removed interface from queue");
    expect((await client.next((m) => m.raw.event === "QueueMemberRemoved")).raw).toMatchObject({ queue: "sales", interface: "PJSIP/1001" });
    expect(await answer(client, { ...remove, ActionID: "r2" })).toBe("Response: Error\r\nActionID: r2\r\nMessage: Unable to remove interface: Not there");
    expect(await answer(client, { ...remove, Queue: "nosuch", ActionID: "r3" })).toBe("Response: Error\r\nActionID: r3\r\nMessage: Unable to remove interface from queue: No such queue");
    expect(await answer(client, { Action: "QueueRemove", ActionID: "r4", Queue: "sales" })).toBe("Response: Error\r\nActionID: r4\r\nMessage: Need 'Queue' and 'Interface' parameters.");
  });

  it("QueueMemberRingInUse sends QueueMemberRinginuse with the new value; its error message ends with a bare LF, as Asterisk's does", async () => {
    const sim = await lab();
    await sim.queueAdd("1000", "support", lab1000);
    const client = await connect(sim);
    expect(await answer(client, { Action: "QueueMemberRingInUse", ActionID: "u1", Interface: "PJSIP/1000", RingInUse: "yes" })).toBe(
      "Response: Success\r\nActionID: u1\r\nMessage: Interface ringinuse set successfully",
    );
    expect((await client.next((m) => m.raw.event === "QueueMemberRinginuse")).raw).toMatchObject({ queue: "support", interface: "PJSIP/1000", ringinuse: "1" });
    expect(await answer(client, { Action: "QueueMemberRingInUse", ActionID: "u2", Interface: "PJSIP/1019", RingInUse: "no" })).toBe(
      "Response: Error\r\nActionID: u2\r\nMessage: Invalid interface, queuename, or ringinuse value\n",
    );
    expect(await answer(client, { Action: "QueueMemberRingInUse", ActionID: "u3", Interface: "PJSIP/1000", RingInUse: "maybe" })).toBe(
      "Response: Error\r\nActionID: u3\r\nMessage: 'RingInUse' parameter must be a truth value (yes/no, on/off, 0/1, etc)",
    );
  });

  it("Setvar on PRESENCE_STATE and DEVICE_STATE sends what the CLI's presencestate and devstate changes send", async () => {
    const sim = await lab();
    const viaAmi = await connect(sim);
    expect(await answer(viaAmi, { Action: "Setvar", ActionID: "s1", Variable: "DEVICE_STATE(Custom:DND1000)", Value: "BUSY" })).toBe("Response: Success\r\nActionID: s1\r\nMessage: Variable Set");
    expect(await answer(viaAmi, { Action: "Setvar", ActionID: "s2", Variable: "PRESENCE_STATE(CustomPresence:1000)", Value: "away,lunch,Back at 2 pm" })).toBe(
      "Response: Success\r\nActionID: s2\r\nMessage: Variable Set",
    );
    expect(await answer(viaAmi, { Action: "Setvar", ActionID: "s3", Variable: "PRESENCE_STATE(CustomPresence:1000)", Value: "sleeping" })).toBe("Response: Error\r\nActionID: s3\r\nMessage: Variable not set");
    expect(await answer(viaAmi, { Action: "Setvar", ActionID: "s4", Value: "x" })).toBe("Response: Error\r\nActionID: s4\r\nMessage: No variable specified");
    await waitFor(() => viaAmi.liveEvents().filter((m) => m.raw.event !== "FullyBooted").length >= 4);
    const ami = viaAmi.liveEvents().filter((m) => m.raw.event !== "FullyBooted").map((m) => m.frame.text);

    const other = await lab();
    const viaCli = await connect(other);
    await other.dnd("1000", true); // DEVICE_STATE BUSY + presence dnd: keep only its device part
    await waitFor(() => viaCli.liveEvents().length >= 5);
    const cli = viaCli.liveEvents().filter((m) => m.raw.event === "ExtensionStatus" || m.raw.event === "DeviceStateChange").map((m) => m.frame.text);
    await other.presence("1000", "away", "lunch", "Back at 2 pm");
    await waitFor(() => viaCli.liveEvents().length >= 7);
    const presence = viaCli.liveEvents().filter((m) => m.raw.status === "away").map((m) => m.frame.text);
    expect(ami).toEqual([...cli, ...presence]);
  });
});

describe("AMI user classes", () => {
  it("without read class agent no QueueMember* event is delivered; the device states of app_queue still are", async () => {
    const sim = await lab({ readClasses: ["system", "call"] });
    const client = await connect(sim);
    await sim.queueAdd("1000", "support", lab1000);
    await sim.queuePause("1000", "support", "Lunch");
    await sleep(20);
    const names = client.liveEvents().map((m) => `${m.raw.event} ${m.raw.device ?? ""}`.trim());
    expect(names).toEqual([
      "FullyBooted",
      "DeviceStateChange Queue:support_pause_PJSIP/1000",
      "DeviceStateChange Queue:support_avail",
      "DeviceStateChange Queue:support_pause_PJSIP/1000",
      "DeviceStateChange Queue:support_avail",
    ]);
  });

  it("without write class agent QueuePause, QueueAdd and QueueRemove are denied; QueueStatus is allowed", async () => {
    const sim = await lab({ writeClasses: ["system", "call"] });
    await sim.queueAdd("1000", "support", lab1000);
    const client = await connect(sim);
    for (const action of ["QueuePause", "QueueAdd", "QueueRemove"]) {
      expect(await answer(client, { Action: action, ActionID: action, Interface: "PJSIP/1000", Queue: "support", Paused: "true" })).toBe(`Response: Error\r\nActionID: ${action}\r\nMessage: Permission denied`);
    }
    client.action({ Action: "QueueStatus", ActionID: "qs" });
    expect((await client.list("qs")).at(-1)?.raw).toMatchObject({ event: "QueueStatusComplete", listitems: "3" });
    expect(sim.queues()[0]?.members[0]?.paused).toBe(false);
  });
});

describe("Asterisk restart (persistentmembers = yes)", () => {
  it("members and their pauses survive, LastCall and CallsTaken start over, DND and presence are kept", async () => {
    const sim = await lab({ restartQualifyMs: 50, queueRetryMs: 20 });
    await sim.queueAdd("1000", "support", lab1000);
    await sim.queueAdd("1001", "support", lab1001);
    await sim.queueCall("1001", "support", { ringMs: 10, talkMs: 10 });
    await sim.queuePause("1001", "support", "Training");
    await sim.dnd("1001", true);
    expect(sim.queues()[0]?.members.map((m) => [m.extension, m.callsTaken > 0 || m.lastCall > 0])).toEqual([
      ["1000", true],
      ["1001", false],
    ]);

    await sim.restart({ downMs: 50 });
    const client = await connect(sim, "off");
    client.action({ Action: "QueueStatus", ActionID: "qs", Queue: "support" });
    const members = (await client.list("qs")).filter((m) => m.raw.event === "QueueMember").map((m) => m.raw);
    expect(members.map((m) => [m.location, m.paused, m.pausedreason, m.callstaken, m.lastcall])).toEqual([
      ["PJSIP/1000", "0", "", "0", "0"],
      ["PJSIP/1001", "1", "Training", "0", "0"],
    ]);
    client.action({ Action: "PresenceStateList", ActionID: "ps" });
    expect((await client.list("ps")).filter((m) => m.raw.event === "PresenceStateChange").map((m) => [m.raw.presentity, m.raw.status])).toEqual([["CustomPresence:1001", "dnd"]]);
    client.action({ Action: "DeviceStateList", ActionID: "ds" });
    const devices = new Map((await client.list("ds")).filter((m) => m.raw.device).map((m) => [m.raw.device, m.raw.state]));
    expect(devices.get("Custom:DND1001")).toBe("BUSY");
    expect(devices.get("Queue:support_pause_PJSIP/1001")).toBe("INUSE");
  });
});
