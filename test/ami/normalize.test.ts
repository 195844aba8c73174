import { describe, expect, it } from "vitest";
import { isEmptyListMessage, toAmiResponse } from "../../src/ami/ami-messages.ts";
import { contactId, contactListItem, endpointListItem, normalize, type Normalized } from "../../src/ami/normalize.ts";
import type { Fact } from "../../src/domain/types.ts";
import { captureFrames, captureMessages, listCaptures, parseFrame, type AmiRaw } from "../helpers/ami-frames.ts";

/** Every event name seen in the captures and what the normalizer must make of it. A capture with
 * a new event kind fails "classifies every event" until it is added here. */
const EXPECTED_KIND: Record<string, Normalized["kind"] | ((raw: AmiRaw) => Normalized["kind"])> = {
  ContactStatus: "facts",
  PeerStatus: "facts",
  // Phones, DND toggles and queue pause devices are facts; app_queue's Queue:<q>_avail / Queue:<q> are not.
  DeviceStateChange: (raw) => (/^Queue:/.test(String(raw.device)) && !/_pause_/.test(String(raw.device)) ? "ignored" : "facts"),
  // A FreePBX hint (PJSIP/N&Custom:DNDN) no longer tells the phone's state.
  ExtensionStatus: (raw) => (String(raw.hint).includes("&") ? "ignored" : "facts"),
  PresenceStateChange: "facts",
  QueueMemberAdded: "facts",
  QueueMemberStatus: "facts",
  QueueMemberPause: "facts",
  QueueMemberRemoved: "facts",
  // PresenceStatus repeats PresenceStateChange per hint; QueueStatus items are read by the snapshot builder.
  PresenceStatus: "ignored",
  QueueMember: "ignored",
  QueueParams: "ignored",
  QueueStatusComplete: "ignored",
  QueueSummary: "ignored",
  QueueSummaryComplete: "ignored",
  PresenceStateListComplete: "ignored",
  QueueCallerJoin: "ignored",
  QueueCallerLeave: "ignored",
  AgentCalled: "ignored",
  AgentConnect: "ignored",
  // The member's queue call ended: starts the wrap-up before the phone's NOT_INUSE (see the tracker).
  AgentComplete: "facts",
  ContactList: "facts",
  EndpointList: "facts",
  FullyBooted: "control",
  Shutdown: "control",
  Reload: "control",
  // Seen, not used for availability:
  Newchannel: "ignored",
  Newstate: "ignored",
  NewConnectedLine: "ignored",
  DialBegin: "ignored",
  DialState: "ignored",
  DialEnd: "ignored",
  Hangup: "ignored",
  HangupRequest: "ignored",
  SoftHangupRequest: "ignored",
  BridgeCreate: "ignored",
  BridgeEnter: "ignored",
  BridgeLeave: "ignored",
  BridgeDestroy: "ignored",
  Registry: "ignored",
  Load: "ignored",
  EndpointDetail: "ignored",
  AuthDetail: "ignored",
  TransportDetail: "ignored",
  AorDetail: "ignored",
  ContactStatusDetail: "ignored",
  AorList: "ignored",
  InboundRegistrationDetail: "ignored",
  CoreShowChannel: "ignored",
  ContactListComplete: "ignored",
  EndpointListComplete: "ignored",
  DeviceStateListComplete: "ignored",
  EndpointDetailComplete: "ignored",
  AorListComplete: "ignored",
  InboundRegistrationDetailComplete: "ignored",
  ContactStatusDetailComplete: "ignored",
  ExtensionStateListComplete: "ignored",
  CoreShowChannelsComplete: "ignored",
};

function factsOf(raw: AmiRaw): Fact[] {
  const result = normalize(raw);
  if (result.kind !== "facts") throw new Error(`expected facts, got ${JSON.stringify(result)}`);
  return result.facts;
}

function factsOrNone(raw: AmiRaw): Fact[] {
  const result = normalize(raw);
  return result.kind === "facts" ? result.facts : [];
}

function eventsNamed(capture: string, name: string): AmiRaw[] {
  return captureMessages(capture).filter((m) => m.event === name);
}

describe("normalize: every message of every capture", () => {
  const captures = listCaptures();

  it("finds the captures", () => {
    expect(captures.length).toBeGreaterThanOrEqual(20);
  });

  it.each(captures)("%s: classifies every event, reads every used one, never throws", (capture) => {
    for (const raw of captureMessages(capture)) {
      const result = normalize(raw);
      if (typeof raw.event !== "string") {
        // Responses (Success, Error, Goodbye, the bare-LF error) are not events.
        expect(result).toEqual({ kind: "ignored", reason: "not an event" });
        continue;
      }
      const rule = EXPECTED_KIND[raw.event];
      expect(rule, `unclassified event ${raw.event} in ${capture}`).toBeDefined();
      const expected = typeof rule === "function" ? rule(raw) : rule;
      expect({ event: raw.event, kind: result.kind }).toEqual({ event: raw.event, kind: expected });
      if (result.kind === "facts") expect(result.notes).toEqual([]);
    }
  });
});

describe("normalize: live events", () => {
  it("register-reachable: NonQualified, PeerStatus, hint, device state, Reachable for 1000", () => {
    const facts = captureMessages("register-reachable")
      .filter((m) => m.event !== undefined && m.event !== "FullyBooted")
      .slice(0, 5)
      .flatMap(factsOf);
    const id = "1000;@e8fa77a71c4017dddb7584685f802864";
    expect(facts).toEqual([
      { kind: "contact", endpoint: "1000", contact: { id, uri: "sip:1000@127.0.0.1:15000", aor: "1000", status: "NonQualified", roundtripUsec: null } },
      { kind: "peerStatus", endpoint: "1000", reachable: true },
      { kind: "deviceState", endpoint: "1000", state: "NOT_INUSE", source: "hint" },
      { kind: "deviceState", endpoint: "1000", state: "NOT_INUSE", source: "device" },
      { kind: "contact", endpoint: "1000", contact: { id, uri: "sip:1000@127.0.0.1:15000", aor: "1000", status: "Reachable", roundtripUsec: 510 } },
    ]);
  });

  it("unregister: Removed → contactRemoved with Asterisk's contact id", () => {
    const removed = eventsNamed("unregister", "ContactStatus").flatMap(factsOf).filter((f) => f.kind === "contactRemoved");
    expect(removed).toEqual([{ kind: "contactRemoved", endpoint: "1000", contactId: "1000;@e8fa77a71c4017dddb7584685f802864", uri: "sip:1000@127.0.0.1:15000" }]);
  });

  it("qualify-timeout: Unreachable with RoundtripUsec 0 → no round trip", () => {
    const unreachable = eventsNamed("qualify-timeout", "ContactStatus").flatMap(factsOf).find((f) => f.kind === "contact" && f.contact.status === "Unreachable");
    expect(unreachable).toMatchObject({ endpoint: "1002", contact: { status: "Unreachable", roundtripUsec: null } });
  });

  it("maps every ExtensionStatus code seen (0, 1, 4, 8, 9) through the hint table", () => {
    const states = new Map<string, string>();
    for (const capture of listCaptures()) {
      for (const raw of eventsNamed(capture, "ExtensionStatus")) {
        if (String(raw.hint).includes("&")) continue; // FreePBX hints are not used
        const [fact] = factsOf(raw);
        if (fact?.kind === "deviceState") states.set(String(raw.status), fact.state);
      }
    }
    expect(Object.fromEntries(states)).toEqual({ "0": "NOT_INUSE", "1": "INUSE", "4": "UNAVAILABLE", "8": "RINGING", "9": "RINGINUSE" });
  });

  it("reads every DeviceStateChange state seen", () => {
    const states = new Set<string>();
    for (const capture of listCaptures()) for (const raw of eventsNamed(capture, "DeviceStateChange")) for (const f of factsOrNone(raw)) if (f.kind === "deviceState") states.add(f.state);
    expect([...states].sort()).toEqual(["INUSE", "NOT_INUSE", "RINGING", "RINGINUSE", "UNAVAILABLE"]);
  });

  it("control events: FullyBooted, Shutdown (restart or not), Reload with module", () => {
    expect(normalize(eventsNamed("restart", "FullyBooted")[0] ?? {})).toEqual({ kind: "control", event: { control: "FullyBooted" } });
    expect(normalize(eventsNamed("restart", "Shutdown")[0] ?? {})).toEqual({ kind: "control", event: { control: "Shutdown", restart: true } });
    expect(normalize(eventsNamed("shutdown", "Shutdown")[0] ?? {})).toEqual({ kind: "control", event: { control: "Shutdown", restart: false } });
    expect(eventsNamed("reload", "Reload").map(normalize)).toEqual([
      { kind: "control", event: { control: "Reload", module: "res_pjsip.so" } },
      { kind: "control", event: { control: "Reload", module: "All" } },
    ]);
  });

  it("the live contact id equals the ObjectName of the same contact in every ContactList", () => {
    const listed = new Map<string, string>();
    for (const capture of listCaptures()) for (const raw of eventsNamed(capture, "ContactList")) listed.set(String(raw.uri), String(raw.objectname));
    let compared = 0;
    for (const capture of listCaptures()) {
      for (const raw of eventsNamed(capture, "ContactStatus")) {
        const objectName = listed.get(String(raw.uri));
        if (!objectName) continue;
        const [fact] = factsOf(raw);
        expect(fact?.kind === "contact" ? fact.contact.id : fact?.kind === "contactRemoved" ? fact.contactId : null).toBe(objectName);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(5);
    expect(contactId("1000", "sip:1000@127.0.0.1:15000")).toBe("1000;@e8fa77a71c4017dddb7584685f802864");
  });
});

describe("normalize: list items", () => {
  it("ContactList: every contact fact, ObjectName as id", () => {
    const [first] = eventsNamed("actions-show", "ContactList");
    const result = contactListItem(first ?? {});
    expect(result).toEqual({
      kind: "ok",
      notes: [],
      value: {
        endpoint: "1000",
        contact: {
          id: "1000;@e8fa77a71c4017dddb7584685f802864",
          uri: "sip:1000@127.0.0.1:15000",
          aor: "1000",
          status: "Reachable",
          roundtripUsec: 533,
          userAgent: "asterisk-lab-sipp",
          expirationTime: 1795474967,
          viaAddr: "127.0.0.1",
          viaPort: 15000,
          regServer: null,
          callId: "1-3291@127.0.0.1",
          qualifyFrequency: 5,
          qualifyTimeout: 3,
        },
      },
    });
  });

  it("ContactList: RoundtripUsec N/A → null (Unreachable and not-yet-qualified contacts)", () => {
    const items = [...eventsNamed("multi-device-actions", "ContactList"), ...eventsNamed("restart", "ContactList")].map(contactListItem);
    const byStatus = items.map((r) => (r.kind === "ok" ? [r.value.contact.status, r.value.contact.roundtripUsec] : r.kind));
    expect(byStatus).toContainEqual(["Unreachable", null]);
    expect(items.every((r) => r.kind === "ok")).toBe(true);
  });

  it("EndpointList: words → device state, Aor, ActiveChannels", () => {
    const items = eventsNamed("actions-show", "EndpointList").map(endpointListItem);
    expect(items).toHaveLength(20);
    expect(items[0]).toEqual({ kind: "ok", notes: [], value: { endpoint: "1000", aor: "1000", deviceState: "NOT_INUSE", activeChannels: 0 } });
    expect(items[2]).toEqual({ kind: "ok", notes: [], value: { endpoint: "1002", aor: "1002", deviceState: "UNAVAILABLE", activeChannels: 0 } });
  });

  it("DeviceStateList items are DeviceStateChange with an ActionID: same device facts", () => {
    const items = eventsNamed("restart", "DeviceStateChange").filter((m) => m.actionid !== undefined);
    expect(items).toHaveLength(20);
    expect(factsOf(items[0] ?? {})).toEqual([{ kind: "deviceState", endpoint: "1000", state: "UNAVAILABLE", source: "device" }]);
  });
});

describe("responses and the bare-LF quirk", () => {
  it("keeps the bare LF in the frame and drops it when parsed like the library", () => {
    const frame = captureFrames("actions-show").find((f) => f.text.includes("Unable to retrieve endpoint 9999"));
    expect(frame?.text.endsWith("Message: Unable to retrieve endpoint 9999\n")).toBe(true);
    const raw = parseFrame(frame?.text ?? "");
    expect(raw).toEqual({ response: "Error", actionid: "cap-6", message: "Unable to retrieve endpoint 9999" });
    expect(normalize(raw).kind).toBe("ignored");
    expect(toAmiResponse(raw)?.message).toBe("Unable to retrieve endpoint 9999");
  });

  it("action-errors: every error response parses; none is an empty list", () => {
    const responses = captureMessages("action-errors").map(toAmiResponse).filter((r) => r !== null);
    expect(responses.map((r) => [r.response, r.message])).toEqual([
      ["Success", "Authentication accepted"],
      ["Error", "Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands."],
      ["Error", "PJSIPShowEndpoint requires an endpoint name"],
      ["Error", "Permission denied"],
      ["Error", "Permission denied"],
      ["Goodbye", "Thanks for all the fish."],
    ]);
    expect(responses.some((r) => isEmptyListMessage(r.message))).toBe(false);
  });

  it.each([
    ["No Contacts found", true],
    ["No endpoints found", true],
    ["No dialplan hints are available", true],
    ["No AORs found", true],
    ["Permission denied", false],
    ["Unable to retrieve endpoint 9999", false],
    ["Endpoint not found", false],
  ])("isEmptyListMessage(%j) = %s", (message, expected) => {
    expect(isEmptyListMessage(message)).toBe(expected);
  });

  it("never copies other headers: AuthDetail's password stays out of the result", () => {
    for (const raw of eventsNamed("actions-show", "AuthDetail")) {
      expect(JSON.stringify(normalize(raw))).not.toMatch(/secret10/);
    }
  });
});

describe("normalize: malformed and unusual input is skipped with a reason, never thrown", () => {
  const contactStatus = (overrides: Record<string, unknown>): AmiRaw =>
    ({ event: "ContactStatus", privilege: "system,all", uri: "sip:1000@127.0.0.1:15000", contactstatus: "Reachable", aor: "1000", endpointname: "1000", roundtripusec: "510", ...overrides }) as AmiRaw;

  it.each([
    ["missing URI", contactStatus({ uri: undefined }), /uri missing/],
    ["empty AOR", contactStatus({ aor: "  " }), /aor empty/],
    ["unknown status word", contactStatus({ contactstatus: "Sleeping" }), /unknown status "Sleeping"/],
    ["huge URI", contactStatus({ uri: `sip:${"x".repeat(100_000)}@h` }), /uri longer than 1024/],
    ["repeated status header", contactStatus({ contactstatus: ["Reachable", "Removed"] }), /contactstatus missing or repeated/],
    ["control characters in AOR", contactStatus({ aor: "10\r00" }), /control characters/],
  ])("ContactStatus with %s → malformed", (_label, raw, reason) => {
    const result = normalize(raw);
    expect(result.kind).toBe("malformed");
    if (result.kind === "malformed") expect(result.reason).toMatch(reason);
  });

  it("a huge unknown status word is quoted short in the reason", () => {
    const result = normalize(contactStatus({ contactstatus: "Z".repeat(30) }));
    expect(result.kind === "malformed" && result.reason.length < 100).toBe(true);
  });

  it("ContactStatus without EndpointName falls back to the AOR; legacy Created is ignored", () => {
    expect(factsOf(contactStatus({ endpointname: undefined }))[0]).toMatchObject({ endpoint: "1000" });
    expect(normalize(contactStatus({ contactstatus: "Created" })).kind).toBe("ignored");
  });

  it.each([
    [{ event: "DeviceStateChange", device: "Custom:Lamp1000", state: "INUSE" }, "ignored"],
    [{ event: "DeviceStateChange", device: "Queue:sales_avail", state: "INUSE" }, "ignored"],
    [{ event: "DeviceStateChange", device: "PJSIP/1000/sip:1000@h", state: "INUSE" }, "ignored"],
    [{ event: "DeviceStateChange", device: "PJSIP/1000", state: "SLEEPING" }, "malformed"],
    [{ event: "DeviceStateChange", device: "PJSIP/1000" }, "malformed"],
    [{ event: "PeerStatus", peer: "SIP/1000", peerstatus: "Registered" }, "ignored"],
    [{ event: "PeerStatus", peer: "PJSIP/1000", peerstatus: "Lagged" }, "malformed"],
    [{ event: "ExtensionStatus", exten: "1000", hint: "PJSIP/1000&PJSIP/1001", status: "0" }, "ignored"],
    [{ event: "ExtensionStatus", exten: "1000", hint: "Custom:1000", status: "0" }, "ignored"],
    [{ event: "ExtensionStatus", exten: "1000", hint: "PJSIP/1000", status: "-1" }, "ignored"],
    [{ event: "ExtensionStatus", exten: "1000", hint: "PJSIP/1000", status: "3" }, "malformed"],
    [{ event: "ExtensionStatus", exten: "1000", hint: "PJSIP/1000", status: "idle" }, "malformed"],
    [{ event: "ExtensionStatus", exten: "1000", hint: "PJSIP/1000,CustomPresence:1000", status: "16" }, "facts"],
    // Asterisk 22 right after `core restart now` (seen by the agent-layer suite): not malformed.
    [{ event: "ExtensionStatus", exten: "1010", hint: "", status: "4" }, "ignored"],
    [{ event: "ExtensionStatus", exten: "1010", status: "4" }, "malformed"],
    [{ event: "ContactList", objectname: "no-hash-here", uri: "sip:1000@h", status: "Reachable" }, "malformed"],
    [{ event: "ContactList", objectname: "1000;@abc", uri: "sip:1000@h", status: "Removed" }, "malformed"],
    [{ event: "EndpointList", aor: "1000" }, "malformed"],
    [{ event: ["ContactStatus", "PeerStatus"] }, "ignored"],
    [{ response: "Success" }, "ignored"],
    [{ event: "UserEvent", userevent: "x", variable: { a: "b" } }, "ignored"],
  ])("%j → %s", (raw, kind) => {
    expect(normalize(raw as AmiRaw).kind).toBe(kind);
  });

  it("unusable descriptive headers become null with a note, the fact stays", () => {
    const [item] = eventsNamed("actions-show", "ContactList");
    const result = contactListItem({ ...item, useragent: "U".repeat(10_000), viaport: "99999", roundtripusec: "fast" });
    expect(result.kind).toBe("ok");
    if (result.kind !== "ok") return;
    expect(result.value.contact).toMatchObject({ userAgent: null, viaPort: null, roundtripUsec: null, status: "Reachable" });
    expect([...result.notes].sort()).toEqual(["roundtripusec not a whole number", "useragent longer than 512", "viaport out of range"]);
    const endpoint = endpointListItem({ event: "EndpointList", objectname: "1000", devicestate: "Dozing" });
    expect(endpoint).toEqual({ kind: "ok", notes: ['DeviceState "Dozing" unknown'], value: { endpoint: "1000", aor: null, deviceState: null, activeChannels: null } });
  });

  it("survives random garbage", () => {
    const keys = ["event", "uri", "aor", "contactstatus", "peer", "peerstatus", "device", "state", "hint", "status", "objectname", "devicestate", "endpointname", "roundtripusec"];
    const values: unknown[] = ["", " ", "PJSIP/", "PJSIP/1", "Reachable", "Removed", "-2", "99", "N/A", "x".repeat(5000), ["a", "b"], { k: "v" }, "ContactStatus", "PeerStatus", "DeviceStateChange", "ExtensionStatus", "ContactList", "EndpointList", "\u0000"];
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 3000; i += 1) {
      const raw: Record<string, unknown> = {};
      for (let k = 0; k < 6; k += 1) raw[keys[next(keys.length)] ?? "event"] = values[next(values.length)];
      expect(() => normalize(raw as AmiRaw)).not.toThrow();
    }
  });
});
