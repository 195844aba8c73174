// The simulator speaks AMI as the captures show Asterisk 22 speaking it: exact bytes where Asterisk's
// answer is deterministic, same headers in the same order (and the same values where the state is
// the same) for list answers, the captured event groups for live changes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/simulator.ts";
import { CAPTURES_DIR, captureFrames, parseFrame, readCapture, splitFrames, type AmiFrame } from "../helpers/ami-frames.ts";
import { AmiRawClient, type ReceivedMessage } from "../helpers/ami-raw-client.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

const simulators: Simulator[] = [];
const clients: AmiRawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

async function simulator(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({ agents: 20, registered: 0, loginFailureDelayMs: 100, qualifyDelayMs: 20, ...options });
  simulators.push(sim);
  return sim;
}

async function connect(sim: Simulator): Promise<AmiRawClient> {
  const client = await AmiRawClient.connect(sim.port, sim.host);
  clients.push(client);
  return client;
}

function clientBytes(name: string): string {
  return readFileSync(path.join(CAPTURES_DIR, `${name}.client.ami`), "latin1");
}

/** Header names of a frame, in order. */
function headerNames(frame: AmiFrame): string[] {
  return frame.text.split("\r\n").map((line) => line.slice(0, line.indexOf(":")));
}

/** The capture's messages answering one ActionID, in order. */
function captured(name: string, actionId: string): AmiFrame[] {
  return captureFrames(name).filter((f) => f.kind === "message" && parseFrame(f.text).actionid === actionId);
}

function withoutHeaders(frame: AmiFrame, volatile: readonly string[]): string {
  return frame.text
    .split("\r\n")
    .filter((line) => !volatile.includes(line.slice(0, line.indexOf(":"))))
    .join("\r\n");
}

describe("session", () => {
  it("greets with the banner line and no blank line, and answers a login with the response then FullyBooted", async () => {
    const sim = await simulator();
    const client = await connect(sim);
    client.send(clientBytes("register-reachable")); // Login with Events: on, as captured
    await client.next((m) => m.raw.event === "FullyBooted");
    const expected = captureFrames("register-reachable").slice(0, 3);
    expect(client.frames.slice(0, 3).map((f) => f.kind)).toEqual(["banner", "message", "message"]);
    expect(client.bytes().startsWith("Asterisk Call Manager/11.0.0\r\nResponse: Success\r\n")).toBe(true);
    expect(client.frames[0]).toEqual(expected[0]);
    expect(client.frames[1]).toEqual(expected[1]);
    expect(headerNames(client.frames[2] as AmiFrame)).toEqual(headerNames(expected[2] as AmiFrame));
    expect(parseFrame((client.frames[2] as AmiFrame).text)).toMatchObject({ privilege: "system,all", uptime: "0", status: "Fully Booted" });
  });

  it("answers a wrong secret like login-failure.ami, byte for byte, after the configured delay, then closes", async () => {
    const sim = await simulator({ loginFailureDelayMs: 150 });
    const client = await connect(sim);
    const sentAt = Date.now();
    client.send(clientBytes("login-failure"));
    await client.closed;
    expect(client.bytes()).toBe(readCapture("login-failure"));
    const answer = client.messages[0] as ReceivedMessage;
    expect(answer.at - sentAt).toBeGreaterThanOrEqual(140);
    await waitFor(() => sim.stats().connections === 0, { message: "server side closed" });
  });

  it("refuses actions before login like not-logged-in.ami and keeps the connection open", async () => {
    const sim = await simulator();
    const client = await connect(sim);
    client.send(clientBytes("not-logged-in"));
    await client.next((m) => m.raw.actionid === "cap-0");
    expect(client.bytes()).toBe(readCapture("not-logged-in"));
    await client.login();
    client.action({ Action: "Ping", ActionID: "p" });
    expect((await client.next((m) => m.raw.actionid === "p")).raw.ping).toBe("Pong");
  });

  it("answers unknown and forbidden actions and Logoff like action-errors.ami, then closes", async () => {
    const sim = await simulator();
    const client = await connect(sim);
    client.send(clientBytes("action-errors"));
    await client.closed;
    // cap-2 (PJSIPShowEndpoint, which the simulator does not implement) aside, every byte is Asterisk's.
    const keep = (frames: AmiFrame[]) => frames.filter((f) => f.kind === "banner" || parseFrame(f.text).actionid !== "cap-2");
    expect(keep(client.frames)).toEqual(keep(captureFrames("action-errors")));
  });

  it("answers Ping with Pong and a microsecond timestamp, in Asterisk's header order", async () => {
    const sim = await simulator();
    const client = await connect(sim);
    await client.login({ events: "off" });
    client.action({ Action: "Ping", ActionID: "cap-1" });
    const pong = await client.next((m) => m.raw.actionid === "cap-1");
    expect(headerNames(pong.frame)).toEqual(headerNames(captured("actions-show", "cap-1")[0] as AmiFrame));
    expect(pong.raw.timestamp).toMatch(/^\d{10}\.\d{6}$/);
    expect(Math.abs(Number(pong.raw.timestamp) * 1000 - Date.now())).toBeLessThan(5_000);
  });

  it("logs in with an MD5 challenge", async () => {
    const { createHash } = await import("node:crypto");
    const sim = await simulator();
    const client = await connect(sim);
    client.action({ Action: "Challenge", ActionID: "c", AuthType: "MD5" });
    const challenge = String((await client.next((m) => m.raw.actionid === "c")).raw.challenge);
    const key = createHash("md5").update(`${challenge}crmsecret`).digest("hex");
    client.action({ Action: "Login", ActionID: "l", AuthType: "MD5", Username: "crm", Key: key });
    expect((await client.next((m) => m.raw.actionid === "l")).raw.message).toBe("Authentication accepted");
  });

  it("closes a connection that sends an oversized action instead of buffering it", async () => {
    const log = new MemoryLog();
    const sim = await simulator({ log });
    const client = await connect(sim);
    client.send(`Action: Login\r\nX: ${"a".repeat(100_000)}`);
    await client.closed;
    expect(log.at("warn").some((e) => e.msg?.includes("oversized"))).toBe(true);
  });
});

describe("list actions", () => {
  /** The state of actions-show: 1000 and 1001 Reachable, 1002 Unreachable, 1003..1019 without contact. */
  async function actionsShowState(): Promise<AmiRawClient> {
    // actions-show was recorded with the old hints (`Hint: PJSIP/1000`) and without app_queue.
    const sim = await simulator({ context: "lab", registered: 3, hintLayout: "device" });
    await sim.goUnreachable("1002");
    const client = await connect(sim);
    await client.login({ events: "off" });
    return client;
  }

  async function listed(client: AmiRawClient, action: string, actionId: string, extra: Record<string, string> = {}): Promise<AmiFrame[]> {
    client.action({ Action: action, ActionID: actionId, ...extra });
    return (await client.list(actionId)).map((m) => m.frame);
  }

  it("PJSIPShowContacts lists the captured ContactList items: same headers, order and values but the phone's own", async () => {
    const client = await actionsShowState();
    const frames = await listed(client, "PJSIPShowContacts", "cap-2");
    const expected = captured("actions-show", "cap-2");
    expect(frames.length).toBe(expected.length);
    expect(frames.map(headerNames)).toEqual(expected.map(headerNames));
    // Call-ID, User-Agent, expiry and the measured round trip come from the phone and the clock.
    const volatile = ["CallId", "UserAgent", "ExpirationTime", "RoundtripUsec"];
    expect(frames.map((f) => withoutHeaders(f, volatile))).toEqual(expected.map((f) => withoutHeaders(f, volatile)));
    const roundtrips = frames.slice(1, -1).map((f) => parseFrame(f.text).roundtripusec);
    expect(roundtrips).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/), "N/A"]);
  });

  it("PJSIPShowEndpoints, DeviceStateList and ExtensionState answer exactly as captured", async () => {
    const client = await actionsShowState();
    expect(await listed(client, "PJSIPShowEndpoints", "cap-3")).toEqual(captured("actions-show", "cap-3"));
    expect(await listed(client, "DeviceStateList", "cap-12")).toEqual(captured("actions-show", "cap-12"));
    client.action({ Action: "ExtensionState", ActionID: "cap-11", Exten: "1000", Context: "lab" });
    expect((await client.next((m) => m.raw.actionid === "cap-11")).frame).toEqual(captured("actions-show", "cap-11")[0]);
  });

  it("ExtensionStateList lists the captured hints (Asterisk lists them in hash order, so compared as a set)", async () => {
    const client = await actionsShowState();
    const frames = await listed(client, "ExtensionStateList", "cap-10");
    const expected = captured("actions-show", "cap-10");
    expect(frames[0]).toEqual(expected[0]);
    expect(frames.at(-1)).toEqual(expected.at(-1));
    expect(frames.slice(1, -1).map((f) => f.text).sort()).toEqual(expected.slice(1, -1).map((f) => f.text).sort());
  });

  it("answers empty lists with Asterisk's error responses (DeviceStateList: an empty list)", async () => {
    const sim = await simulator({ agents: 0 });
    const client = await connect(sim);
    await client.login();
    const answers: Record<string, string> = {};
    for (const action of ["PJSIPShowContacts", "PJSIPShowEndpoints", "ExtensionStateList", "DeviceStateList"]) {
      client.action({ Action: action, ActionID: action });
      answers[action] = (await client.list(action)).map((m) => m.frame.text).join("\r\n\r\n");
    }
    expect(answers).toEqual({
      PJSIPShowContacts: "Response: Error\r\nActionID: PJSIPShowContacts\r\nMessage: No Contacts found",
      PJSIPShowEndpoints: "Response: Error\r\nActionID: PJSIPShowEndpoints\r\nMessage: No endpoints found",
      ExtensionStateList: "Response: Error\r\nActionID: ExtensionStateList\r\nMessage: No dialplan hints are available",
      DeviceStateList:
        "Response: Success\r\nActionID: DeviceStateList\r\nEventList: start\r\nMessage: Device State Changes will follow\r\n\r\n" +
        "Event: DeviceStateListComplete\r\nActionID: DeviceStateList\r\nEventList: Complete\r\nListItems: 0",
    });
  });

  it("lists endpoints but no contacts when nobody is registered", async () => {
    const sim = await simulator({ agents: 2 });
    const client = await connect(sim);
    await client.login({ events: "off" });
    expect((await listed(client, "PJSIPShowContacts", "c")).map((f) => parseFrame(f.text).message)).toEqual(["No Contacts found"]);
    const endpoints = await listed(client, "PJSIPShowEndpoints", "e");
    expect(endpoints.slice(1, -1).map((f) => parseFrame(f.text))).toEqual([
      expect.objectContaining({ objectname: "1000", contacts: "", devicestate: "Unavailable" }),
      expect.objectContaining({ objectname: "1001", contacts: "", devicestate: "Unavailable" }),
    ]);
  });
});

describe("live events", () => {
  /** Live state events as `Name key=value…` lines, the way the captures' groups are compared. */
  function summary(messages: ReceivedMessage[]): string[] {
    return messages
      .filter((m) => ["ContactStatus", "PeerStatus", "DeviceStateChange", "ExtensionStatus"].includes(String(m.raw.event)))
      .map((m) => {
        const r = m.raw;
        switch (r.event) {
          case "ContactStatus":
            return `ContactStatus ${r.aor} ${r.contactstatus} rtt=${r.roundtripusec === "0" ? "0" : "n"}`;
          case "PeerStatus":
            return `PeerStatus ${r.peer} ${r.peerstatus}`;
          case "DeviceStateChange":
            return `DeviceStateChange ${r.device} ${r.state}`;
          default:
            return `ExtensionStatus ${r.exten} ${r.status} ${r.statustext}`;
        }
      });
  }

  function capturedSummary(name: string): string[] {
    const frames = splitFrames(readCapture(name)).filter((f) => f.kind === "message");
    return summary(frames.map((frame) => ({ frame, raw: parseFrame(frame.text), at: 0 })).filter((m) => m.raw.actionid === undefined));
  }

  async function loggedIn(options: Partial<SimulatorOptions>): Promise<{ sim: Simulator; client: AmiRawClient }> {
    const sim = await simulator(options);
    const client = await connect(sim);
    await client.login({ events: "on" });
    return { sim, client };
  }

  it("register: the group of register-reachable for 1000, with the header names of FIELDS", async () => {
    const { sim, client } = await loggedIn({});
    await sim.register("1000");
    await waitFor(() => client.liveEvents().length >= 6);
    expect(summary(client.liveEvents())).toEqual(capturedSummary("register-reachable").slice(0, 5));
    const expectedNames = new Map(captureFrames("register-reachable").map((f) => [parseFrame(f.text).event, headerNames(f)]));
    for (const message of client.liveEvents()) expect(headerNames(message.frame)).toEqual(expectedNames.get(message.raw.event));
  });

  it("unregister and silence then recovery: the groups of unregister and qualify-timeout", async () => {
    const { sim, client } = await loggedIn({ qualifyDelayMs: 30 });
    await sim.register("1000");
    await sim.unregister("1000");
    await waitFor(() => summary(client.liveEvents()).length >= 9);
    expect(summary(client.liveEvents()).slice(5)).toEqual(capturedSummary("unregister").slice(5));

    await sim.register("1002");
    const before = summary(client.liveEvents()).length + 5;
    const silentAt = Date.now();
    await sim.goUnreachable("1002");
    expect(Date.now() - silentAt).toBeGreaterThanOrEqual(25);
    await sim.goUnreachable("1002"); // already Unreachable: resolves at once, sends nothing
    await sim.answerAgain("1002");
    await waitFor(() => summary(client.liveEvents()).length >= before + 8);
    expect(summary(client.liveEvents()).slice(before)).toEqual(capturedSummary("qualify-timeout").slice(5));
  });

  it("a call: B rings while A is in use, answer, hang-up; the state events of call-inuse with channel events around them", async () => {
    const { sim, client } = await loggedIn({ registered: 2 });
    await sim.call("1000", "1001", { ringMs: 20, talkMs: 20 });
    await sleep(20);
    expect(summary(client.liveEvents())).toEqual(capturedSummary("call-inuse"));
    const names = (frames: AmiFrame[]) => frames.map((f) => parseFrame(f.text).event).filter((e) => e !== undefined && e !== "FullyBooted");
    expect(names(client.liveEvents().map((m) => m.frame))).toEqual(names(captureFrames("call-inuse").filter((f) => parseFrame(f.text).actionid === undefined)));
  });

  it("sends live events only to logged-in sessions that asked for their class", async () => {
    const sim = await simulator();
    const off = await connect(sim);
    await off.login({ events: "off" });
    const system = await connect(sim);
    await system.login({ events: "system" });
    const anonymous = await connect(sim);
    const later = await connect(sim);
    await later.login({ events: "off" });
    later.action({ Action: "Events", ActionID: "ev", EventMask: "on" });
    expect((await later.next((m) => m.raw.actionid === "ev")).raw.events).toBe("On");
    await sim.register("1000");
    await waitFor(() => later.liveEvents().length >= 5);
    await sleep(20);
    expect(off.liveEvents()).toEqual([]);
    expect(anonymous.messages).toEqual([]);
    expect(new Set(system.liveEvents().map((m) => m.raw.event))).toEqual(new Set(["FullyBooted", "ContactStatus", "PeerStatus"]));
    expect(sim.stats().eventsSent).toBe(5 + 3);
  });

  it("restart: Shutdown as captured, connections closed and refused while down, FullyBooted at the next login, contacts kept NonQualified, then re-qualified", async () => {
    const { sim, client } = await loggedIn({ registered: 2, restartQualifyMs: 150 });
    const restarted = sim.restart({ downMs: 100 });
    await client.closed;
    const shutdown = client.liveEvents().find((m) => m.raw.event === "Shutdown");
    expect(shutdown?.frame).toEqual(captureFrames("restart").find((f) => parseFrame(f.text).event === "Shutdown"));

    const during = await connect(sim);
    await during.closed;
    expect(during.bytes()).toBe("");

    await restarted;
    const after = await connect(sim);
    await after.login({ events: "on" });
    await after.next((m) => m.raw.event === "FullyBooted" && m.raw.uptime === "0");
    after.action({ Action: "PJSIPShowContacts", ActionID: "c" });
    const contacts = (await after.list("c")).slice(1, -1).map((m) => m.raw);
    expect(contacts.map((c) => [c.endpoint, c.status, c.roundtripusec])).toEqual([
      ["1000", "NonQualified", "N/A"],
      ["1001", "NonQualified", "N/A"],
    ]);
    after.action({ Action: "DeviceStateList", ActionID: "d" });
    expect((await after.list("d")).slice(1, 3).map((m) => m.raw.state)).toEqual(["UNAVAILABLE", "UNAVAILABLE"]);
    await waitFor(() => summary(after.liveEvents()).length >= 8);
    // restart.ami's group for 1001, for each contact; no NonQualified after a restart.
    const byAgent = (ext: string) => summary(after.liveEvents()).filter((line) => line.includes(ext));
    expect(byAgent("1001")).toEqual(["ExtensionStatus 1001 0 Idle", "DeviceStateChange PJSIP/1001 NOT_INUSE", "PeerStatus PJSIP/1001 Reachable", "ContactStatus 1001 Reachable rtt=n"]);
    expect(capturedSummary("restart").filter((line) => line.includes("1001"))).toEqual(byAgent("1001"));
    expect(byAgent("1000")).toHaveLength(4);
    expect(sim.contacts().map((c) => c.status)).toEqual(["Reachable", "Reachable"]);
  });

  it("a burst re-announces every reachable agent", async () => {
    const { sim, client } = await loggedIn({ agents: 300, registered: 250 });
    await sim.reannounceAll();
    await waitFor(() => summary(client.liveEvents()).length >= 1_000);
    const lines = summary(client.liveEvents());
    expect(lines).toHaveLength(1_000);
    expect(lines.slice(0, 4)).toEqual(["ExtensionStatus 1000 0 Idle", "DeviceStateChange PJSIP/1000 NOT_INUSE", "PeerStatus PJSIP/1000 Reachable", "ContactStatus 1000 Reachable rtt=n"]);
  });
});
