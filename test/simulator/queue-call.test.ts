// A call through a queue and the wrap-up after it, as queue-call-wrapup shows app_queue on a real
// Asterisk 22: the same events (compared as a multiset: their order varies between runs), the
// member's QueueMemberStatus after the hang-up (Status 1, InCall 0, CallsTaken+1, LastCall = the
// hang-up second), and no offer to the member before LastCall + wrapuptime, nothing marking the end.
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import { parseFrame, type AmiRaw } from "../helpers/ami-frames.ts";
import { AmiRawClient, type ReceivedMessage } from "../helpers/ami-raw-client.ts";
import { sleep } from "../helpers/wait-for.ts";
import { fixtureAnswer, fixtureSections, headerNames, withoutClock } from "./fixture-captures.ts";

const simulators: Simulator[] = [];
const clients: AmiRawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

/** The lab: support (2000) and sales (2001), 1000 a member of support, 1000..1006 registered. */
async function lab(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({
    agents: 20,
    registered: 7,
    context: "lab",
    queues: [
      { name: "support", extension: "2000", wrapupSeconds: 5 },
      { name: "sales", extension: "2001", wrapupSeconds: 5 },
    ],
    queueRetryMs: 50,
    ...options,
  });
  simulators.push(sim);
  await sim.queueAdd("1000", "support", { memberName: "Lab 1000" });
  return sim;
}

async function listen(sim: Simulator): Promise<AmiRawClient> {
  const client = await AmiRawClient.connect(sim.port, sim.host);
  clients.push(client);
  await client.login({ events: "on" });
  await client.next((m) => m.raw.event === "FullyBooted");
  return client;
}

/** An event reduced to what Asterisk decides (not ids, names or times). */
function summary(raw: AmiRaw): string {
  const e = String(raw.event);
  switch (e) {
    case "DeviceStateChange":
      return `${e} ${raw.device} ${raw.state}`;
    case "ExtensionStatus":
      return `${e} ${raw.exten} ${raw.status} ${raw.statustext}`;
    case "QueueMemberStatus":
      return `${e} ${raw.queue} ${raw.interface} status=${raw.status} incall=${raw.incall} calls=${raw.callstaken} lastcall=${raw.lastcall === "0" ? "0" : "set"}`;
    case "QueueCallerJoin":
    case "QueueCallerAbandon":
    case "QueueCallerLeave":
      return `${e} ${raw.queue} ${raw.channel} ${raw.position} ${raw.count ?? raw.originalposition}`;
    case "AgentCalled":
    case "AgentConnect":
    case "AgentComplete":
      return `${e} ${raw.queue} ${raw.channel} ${raw.destchannel} ${raw.interface} ${raw.reason ?? ""}`.trim();
    case "DialBegin":
      return `${e} ${raw.channel} ${raw.destchannel} ${raw.dialstring}`;
    case "DialState":
    case "DialEnd":
      return `${e} ${raw.channel} ${raw.destchannel} ${raw.dialstatus}`;
    case "BridgeCreate":
    case "BridgeDestroy":
      return `${e} ${raw.bridgetechnology}`;
    case "BridgeEnter":
    case "BridgeLeave":
      return `${e} ${raw.channel} ${raw.bridgenumchannels}`;
    default:
      return `${e} ${raw.channel} ${raw.channelstatedesc} ${raw.exten} ${raw.priority}${raw.cause ? ` cause=${raw.cause}` : ""}`;
  }
}

describe("a queue call (queue-call-wrapup)", () => {
  it("1005 calls support, 1000 rings, answers, talks, 1005 hangs up: the capture's events and headers", async () => {
    const sim = await lab();
    const client = await listen(sim);
    expect(await sim.queueCall("1005", "support", { ringMs: 50, talkMs: 50 })).toBe("1000");
    await sleep(30);
    const ours = client.liveEvents().filter((m) => m.raw.event !== "FullyBooted");
    const sections = fixtureSections("queue-call-wrapup");
    const firstCall = [...(sections[1]?.frames ?? []), ...(sections[2]?.frames ?? [])];
    expect(ours.map((m) => summary(m.raw)).sort()).toEqual(firstCall.map((f) => summary(parseFrame(f.text))).sort());
    const theirHeaders = new Map(firstCall.map((f) => [parseFrame(f.text).event, headerNames(f)]));
    for (const m of ours) expect([m.raw.event, headerNames(m.frame)]).toEqual([m.raw.event, theirHeaders.get(m.raw.event)]);
  });

  it("after the hang-up the member is Status 1, InCall 0, CallsTaken 1, LastCall = the hang-up second; QueueStatus says nothing of wrap-up", async () => {
    const sim = await lab();
    const client = await listen(sim);
    let hangupAt = 0;
    const call = sim.queueCall("1005", "support", { ringMs: 20, talkMs: 30 });
    await client.next((m) => m.raw.event === "AgentConnect");
    const completed = client.next((m) => m.raw.event === "AgentComplete").then((m) => (hangupAt = m.at));
    await call;
    await completed;
    const status = (await client.next((m) => m.raw.event === "QueueMemberStatus" && m.raw.callstaken === "1")).raw;
    expect(status).toMatchObject({ status: "1", incall: "0", paused: "0", wrapuptime: "0" });
    expect(Math.abs(Number(status.lastcall) - Math.floor(hangupAt / 1000))).toBeLessThanOrEqual(1);

    client.action({ Action: "QueueStatus", ActionID: "cap-1", Queue: "support" });
    const answer = (await client.list("cap-1")).map((m) => m.frame);
    const expected = fixtureAnswer("queue-call-wrapup-actions", "cap-1");
    expect(answer.map(headerNames)).toEqual(expected.map(headerNames));
    const member = (frames: typeof answer) => withoutClock(frames[2] as (typeof answer)[number]).replace(/Name: \w+ 1000/, "Name: <name>");
    expect(member(answer)).toBe(member(expected));
    expect(parseFrame((answer[1] as (typeof answer)[number]).text)).toMatchObject({ completed: "1", calls: "0", abandoned: "0" });
  });

  it("a caller who comes during the wrap-up waits: the member is rung only once now - wrapuptime >= LastCall, and nothing marks the end", async () => {
    // 2 s: even a hang-up at the very end of a second leaves a full second a broken rule would ring in.
    const sim = await lab({ queues: [{ name: "support", extension: "2000", wrapupSeconds: 2 }] });
    const client = await listen(sim);
    await sim.queueCall("1005", "support", { ringMs: 10, talkMs: 10 });
    const afterFirst = await client.next((m) => m.raw.event === "QueueMemberStatus" && m.raw.callstaken === "1");
    const lastCall = Number(afterFirst.raw.lastcall);
    const from = client.liveEvents().length;

    const second = sim.queueCall("1006", "support", { ringMs: 10, talkMs: 10 });
    const offered = await client.next((m) => m.raw.event === "AgentCalled" && String(m.raw.channel).startsWith("PJSIP/1006"), 4_000);
    expect(offered.at).toBeGreaterThanOrEqual((lastCall + 2) * 1000);
    const between = client.liveEvents().slice(from).filter((m) => m.at < offered.at);
    // Only the waiting caller's own events: none about 1000, its queue membership or the queue's availability.
    expect(between.filter((m: ReceivedMessage) => m.raw.interface === "PJSIP/1000" || m.raw.device === "PJSIP/1000" || m.raw.device === "Queue:support_avail" || m.raw.exten === "1000")).toEqual([]);
    expect(await second).toBe("1000");
    expect(sim.queues()[0]?.members[0]).toMatchObject({ extension: "1000", callsTaken: 2 });
  });

  it("a caller nobody can take (every member paused) waits, then gives up: abandoned, and the queue is NOT_INUSE again", async () => {
    const sim = await lab();
    await sim.queuePause("1000", "support", "Lunch");
    const client = await listen(sim);
    expect(await sim.queueCall("1005", "support", { ringMs: 10, talkMs: 10, maxWaitMs: 150 })).toBeNull();
    await sleep(20);
    const events = client.liveEvents().map((m) => summary(m.raw));
    expect(events.filter((e) => e.startsWith("AgentCalled"))).toEqual([]);
    expect(events.filter((e) => e.startsWith("QueueCaller"))).toEqual([
      "QueueCallerJoin support PJSIP/1005-00000000 1 1",
      "QueueCallerAbandon support PJSIP/1005-00000000 1 1",
      "QueueCallerLeave support PJSIP/1005-00000000 1 0",
    ]);
    expect(events.filter((e) => e.includes("Queue:support "))).toEqual(["DeviceStateChange Queue:support RINGING", "DeviceStateChange Queue:support NOT_INUSE"]);
    client.action({ Action: "QueueStatus", ActionID: "q", Queue: "support" });
    expect((await client.list("q"))[1]?.raw).toMatchObject({ event: "QueueParams", abandoned: "1", completed: "0" });
  });

  it("QueueStatus lists a waiting caller as a QueueEntry (counted in ListItems), and QueueSummary its wait", async () => {
    const sim = await lab();
    await sim.queuePause("1000", "support", "Lunch");
    const call = sim.queueCall("1005", "support", { ringMs: 10, talkMs: 10, maxWaitMs: 1_500 });
    await sleep(1_100);
    const client = await listen(sim);
    client.action({ Action: "QueueStatus", ActionID: "q", Queue: "support" });
    const answer = await client.list("q");
    expect(answer.map((m) => m.raw.event ?? m.raw.response)).toEqual(["Success", "QueueParams", "QueueMember", "QueueEntry", "QueueStatusComplete"]);
    expect(answer[3]?.frame.text).toMatch(
      /^Event: QueueEntry\r\nQueue: support\r\nPosition: 1\r\nChannel: PJSIP\/1005-00000000\r\nUniqueid: \d+\.0\r\nCallerIDNum: 1005\r\nCallerIDName: Agent 1005\r\nConnectedLineNum: unknown\r\nConnectedLineName: unknown\r\nWait: [1-9]\d*\r\nPriority: 0\r\nActionID: q$/,
    );
    expect(answer.at(-1)?.raw.listitems).toBe("3");
    client.action({ Action: "QueueSummary", ActionID: "s", Queue: "support" });
    const summary = (await client.list("s"))[1]?.raw;
    expect(summary).toMatchObject({ loggedin: "1", available: "0", callers: "1" });
    expect(Number(summary?.longestholdtime)).toBeGreaterThanOrEqual(1);
    await call;
  });
});
