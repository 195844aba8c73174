// Pure translation of raw AMI messages (lower-cased headers, as asterisk-manager emits them) into
// domain facts, control events, or "ignored"/"malformed" with a reason. Only the headers named
// here are read, so nothing else of a message (e.g. AuthDetail's passwords) can reach a fact or a
// log line. Never throws.
import { createHash } from "node:crypto";
import { DEVICE_STATE_WORDS, EXTENSION_STATUS_DEVICE_STATE } from "../domain/availability.ts";
import { CONTACT_STATUSES, DEVICE_STATES, type Contact, type ContactStatus, type DeviceState, type Fact } from "../domain/types.ts";
import { singleHeader, type AmiRawMessage } from "./ami-messages.ts";
import { FieldReader, LIMITS } from "./field-reader.ts";
import { agentComplete, FREEPBX_NAMING, memberExtension, namePattern, presenceStateChange, queueMember, queuePauseDevice, type AgentNaming, type PresenceItem } from "./agent-events.ts";

export type ControlEvent =
  | { control: "FullyBooted" }
  | { control: "Shutdown"; restart: boolean }
  | { control: "Reload"; module: string | null };

export type Normalized =
  | { kind: "facts"; facts: Fact[]; notes: string[] }
  | { kind: "control"; event: ControlEvent }
  | { kind: "ignored"; reason: string }
  | { kind: "malformed"; reason: string };

/** The result of reading one message: a value (with notes about dropped descriptive headers),
 * nothing this service uses, or a message it should use but cannot. */
export type Outcome<T> =
  | { kind: "ok"; value: T; notes: string[] }
  | { kind: "ignored"; reason: string }
  | { kind: "malformed"; reason: string };

export interface EndpointItem {
  endpoint: string;
  aor: string | null;
  deviceState: DeviceState | null;
  activeChannels: number | null;
}


export interface ContactItem {
  endpoint: string;
  contact: Contact;
}

/** Asterisk's contact id: `<aor>;@<md5 of the contact URI>` (the ObjectName in ContactList). */
export function contactId(aor: string, uri: string): string {
  return `${aor};@${createHash("md5").update(uri).digest("hex")}`;
}

export type Normalizer = (message: AmiRawMessage) => Normalized;

/** Contact ids a normalizer remembers (a few per phone; forgotten all at once past this). */
const MAX_REMEMBERED_CONTACTS = 20_000;

/** What a `DeviceStateChange` (live or a DeviceStateList item) is about. */
export type DeviceItem =
  | { kind: "phone"; endpoint: string; state: DeviceState }
  | { kind: "dnd"; endpoint: string; on: boolean }
  | { kind: "queuePause"; endpoint: string; queue: string; paused: boolean };

export interface AgentEventReaders {
  normalize: Normalizer;
  device(message: AmiRawMessage): Outcome<DeviceItem>;
  presence(message: AmiRawMessage): Outcome<PresenceItem>;
}

/** A normalizer for one naming of DND devices and presence providers. */
export function createNormalizer(naming: AgentNaming = FREEPBX_NAMING): AgentEventReaders {
  const dndOf = namePattern(naming.dndDevice);
  const providerOf = namePattern(naming.presenceProvider);
  const device = (message: AmiRawMessage) => deviceItem(message, dndOf);
  const presence = (message: AmiRawMessage) => presenceStateChange(message, providerOf);
  // Contact ids by "aor uri": an md5 per ContactStatus otherwise, and a phone keeps its contact URI.
  const contactIds = new Map<string, string>();
  const idOf = (aor: string, uri: string): string => {
    const key = `${aor} ${uri}`;
    let id = contactIds.get(key);
    if (id === undefined) {
      if (contactIds.size >= MAX_REMEMBERED_CONTACTS) contactIds.clear();
      contactIds.set(key, (id = contactId(aor, uri)));
    }
    return id;
  };

  const normalize = (message: AmiRawMessage): Normalized => {
    const name = singleHeader(message, "event");
    if (name === undefined) return { kind: "ignored", reason: "not an event" };
    switch (name) {
      case "ContactStatus":
        return asFacts(contactStatusEvent(message, idOf));
      case "PeerStatus":
        return asFacts(peerStatusEvent(message));
      case "DeviceStateChange":
        return asFacts(map(device(message), deviceFact));
      case "ExtensionStatus":
        return asFacts(extensionStatusEvent(message));
      case "PresenceStateChange":
        return asFacts(map(presence(message), (p): Fact => ({ kind: "presence", endpoint: p.endpoint, presence: p.presence })));
      case "QueueMemberAdded":
      case "QueueMemberStatus":
      case "QueueMemberPause":
      case "QueueMemberRinginuse":
        return asFacts(map(queueMember(message, false), (m): Fact => ({ kind: "queueMember", endpoint: m.endpoint, member: m.member })));
      case "QueueMemberRemoved":
        return asFacts(map(queueMember(message, false), (m): Fact => ({ kind: "queueMemberRemoved", endpoint: m.endpoint, queue: m.member.queue })));
      case "AgentComplete":
        return asFacts(map(agentComplete(message), (c): Fact => ({ kind: "queueCallEnded", endpoint: c.endpoint, queue: c.queue })));
      case "ContactList":
        return asFacts(map(contactListItem(message), (c): Fact => ({ kind: "contact", endpoint: c.endpoint, contact: c.contact })));
      case "EndpointList":
        return asFacts(map(endpointListItem(message), (e): Fact => ({ kind: "endpoint", ...e })));
      case "FullyBooted":
        return { kind: "control", event: { control: "FullyBooted" } };
      case "Shutdown":
        return { kind: "control", event: { control: "Shutdown", restart: singleHeader(message, "restart")?.trim().toLowerCase() === "true" } };
      case "Reload":
        return { kind: "control", event: { control: "Reload", module: new FieldReader(message).optional("module", LIMITS.name) } };
      default:
        // PresenceStatus repeats PresenceStateChange per hint; AgentCalled/AgentConnect and QueueCaller* say nothing the members do not.
        return { kind: "ignored", reason: `event ${short(name)} not used` };
    }
  };
  return { normalize, device, presence };
}

/** The readers with FreePBX's naming (also the snapshot builder's default). */
export const DEFAULT_READERS = createNormalizer();

/** The normalizer with FreePBX's naming (`Custom:DND<ext>`, `CustomPresence:<ext>`). */
export const normalize: Normalizer = DEFAULT_READERS.normalize;

function deviceFact(item: DeviceItem): Fact {
  switch (item.kind) {
    case "phone":
      return { kind: "deviceState", endpoint: item.endpoint, state: item.state, source: "device" };
    case "dnd":
      return { kind: "dnd", endpoint: item.endpoint, on: item.on };
    case "queuePause":
      return { kind: "queuePause", endpoint: item.endpoint, queue: item.queue, paused: item.paused };
  }
}

/** `DeviceStateChange`, live or a DeviceStateList item: a phone (`PJSIP/<endpoint>`), a DND toggle, or
 * app_queue's pause device. Other devices (`Queue:<q>_avail`, `Queue:<q>`, other technologies) are ignored. */
function deviceItem(message: AmiRawMessage, dndOf: (name: string) => string | null): Outcome<DeviceItem> {
  const read = new FieldReader(message);
  const device = read.required("device", LIMITS.name + 64);
  const word = read.required("state", 32);
  if (read.failed) return { kind: "malformed", reason: `DeviceStateChange: ${read.failed}` };
  const state = deviceState(word);
  if (!state) return { kind: "malformed", reason: `DeviceStateChange: unknown State ${short(word)}` };
  const endpoint = pjsipEndpoint(device);
  if (endpoint !== null) return ok({ kind: "phone", endpoint, state }, read.notes);
  const dndExtension = dndOf(device);
  // FreePBX sets BUSY for DND on and NOT_INUSE for off; a toggle never set reads UNKNOWN.
  if (dndExtension !== null && isName(dndExtension)) return ok({ kind: "dnd", endpoint: dndExtension, on: state === "BUSY" || state === "INUSE" }, read.notes);
  const pause = queuePauseDevice(device);
  const pauseExtension = pause ? memberExtension(pause.interface, null) : null;
  if (pause && pauseExtension !== null) return ok({ kind: "queuePause", endpoint: pauseExtension, queue: pause.queue, paused: state === "INUSE" }, read.notes);
  return { kind: "ignored", reason: "DeviceStateChange of a device that is no phone, DND toggle or queue pause" };
}

/** Live `ContactStatus`: URI, ContactStatus, AOR, EndpointName, RoundtripUsec (0 unless Reachable). */
function contactStatusEvent(message: AmiRawMessage, idOf: (aor: string, uri: string) => string): Outcome<Fact> {
  const read = new FieldReader(message);
  const uri = read.required("uri", LIMITS.uri);
  const aor = read.required("aor");
  const word = read.required("contactstatus", 32);
  const endpoint = read.optional("endpointname", LIMITS.name) ?? aor;
  const roundtrip = read.optionalInt("roundtripusec", 0, 1e12);
  if (read.failed) return { kind: "malformed", reason: `ContactStatus: ${read.failed}` };
  if (!isName(aor) || !isName(endpoint)) return { kind: "malformed", reason: "ContactStatus: AOR or EndpointName has control characters" };
  const id = idOf(aor, uri);
  if (word === "Removed") return ok({ kind: "contactRemoved", endpoint, contactId: id, uri }, read.notes);
  // 13.x-era words; Asterisk ≥ 16 announces a new contact as NonQualified and sends nothing on refresh.
  if (word === "Created" || word === "Updated") return { kind: "ignored", reason: `ContactStatus ${word} carries no status` };
  const status = contactStatus(word);
  if (!status) return { kind: "malformed", reason: `ContactStatus: unknown status ${short(word)}` };
  return ok({ kind: "contact", endpoint, contact: { id, uri, aor, status, roundtripUsec: status === "Reachable" ? roundtrip : null } }, read.notes);
}

/** PJSIP `PeerStatus`: Peer `PJSIP/<endpoint>`, PeerStatus Reachable|Unreachable (endpoint aggregate). */
function peerStatusEvent(message: AmiRawMessage): Outcome<Fact> {
  const read = new FieldReader(message);
  const peer = read.required("peer", LIMITS.name + 6);
  const word = read.required("peerstatus", 32);
  if (read.failed) return { kind: "malformed", reason: `PeerStatus: ${read.failed}` };
  const endpoint = pjsipEndpoint(peer);
  if (endpoint === null) return { kind: "ignored", reason: "PeerStatus of a non-PJSIP peer" };
  if (word !== "Reachable" && word !== "Unreachable") return { kind: "malformed", reason: `PeerStatus: unknown status ${short(word)}` };
  return ok({ kind: "peerStatus", endpoint, reachable: word === "Reachable" }, read.notes);
}

/** `ExtensionStatus` (a hint's aggregate): used only when the hint is one PJSIP device. */
function extensionStatusEvent(message: AmiRawMessage): Outcome<Fact> {
  // Seen against the real Asterisk 22 right after `core restart now`: ExtensionStatus with an empty
  // `Hint:` while the dialplan's hints are set up again. No device: nothing to read, nothing wrong.
  if (typeof message.hint === "string" && message.hint.trim() === "") return { kind: "ignored", reason: "ExtensionStatus with an empty hint (Asterisk starting)" };
  const read = new FieldReader(message);
  const hint = read.required("hint", LIMITS.text);
  const code = read.required("status", 8);
  if (read.failed) return { kind: "malformed", reason: `ExtensionStatus: ${read.failed}` };
  // `PJSIP/1000,CustomPresence:1000`: the part after the comma is presence, not a device.
  const devices = hint.split(",")[0] ?? "";
  const endpoint = devices.includes("&") ? null : pjsipEndpoint(devices.trim());
  if (endpoint === null) return { kind: "ignored", reason: "ExtensionStatus hint is not a single PJSIP device" };
  if (!/^-?\d{1,3}$/.test(code)) return { kind: "malformed", reason: `ExtensionStatus: Status ${short(code)} not a number` };
  const status = Number(code);
  if (status < 0) return { kind: "ignored", reason: "ExtensionStatus: hint removed" };
  const state = EXTENSION_STATUS_DEVICE_STATE[status];
  if (!state) return { kind: "malformed", reason: `ExtensionStatus: unknown Status ${status}` };
  return ok({ kind: "deviceState", endpoint, state, source: "hint" }, read.notes);
}

/** A `DeviceStateList` item with FreePBX's naming (tests and tools; the bridge uses its own readers). */
export function deviceStateListItem(message: AmiRawMessage): Outcome<DeviceItem> {
  return DEFAULT_READERS.device(message);
}

/** A `ContactList` item of PJSIPShowContacts: every fact about one contact. */
export function contactListItem(message: AmiRawMessage): Outcome<ContactItem> {
  const read = new FieldReader(message);
  const id = read.required("objectname", LIMITS.name + 40);
  const uri = read.required("uri", LIMITS.uri);
  const word = read.required("status", 32);
  if (read.failed) return { kind: "malformed", reason: `ContactList: ${read.failed}` };
  const separator = id.indexOf(";@");
  const aor = separator > 0 ? id.slice(0, separator) : "";
  if (!isName(aor)) return { kind: "malformed", reason: "ContactList: ObjectName is not <aor>;@<hash>" };
  const endpoint = read.optional("endpoint", LIMITS.name) ?? aor;
  if (!isName(endpoint)) return { kind: "malformed", reason: "ContactList: Endpoint has control characters" };
  const status = contactStatus(word);
  if (!status) return { kind: "malformed", reason: `ContactList: unknown Status ${short(word)}` };
  if (id !== contactId(aor, uri)) read.notes.push("ObjectName hash is not md5(Uri): live events will not match");
  const roundtrip = read.optionalInt("roundtripusec", 0, 1e12);
  const contact: Contact = {
    id,
    uri,
    aor,
    status,
    roundtripUsec: status === "Reachable" ? roundtrip : null,
    userAgent: read.optional("useragent"),
    expirationTime: read.optionalInt("expirationtime", 0, 1e11),
    viaAddr: read.optional("viaaddr", LIMITS.name),
    viaPort: read.optionalInt("viaport", 0, 65_535),
    regServer: read.optional("regserver", LIMITS.name),
    callId: read.optional("callid"),
    qualifyFrequency: read.optionalInt("qualifyfrequency", 0, 1e7),
    qualifyTimeout: read.optionalDecimal("qualifytimeout", 1e6),
  };
  return ok({ endpoint, contact }, read.notes);
}

/** An `EndpointList` item of PJSIPShowEndpoints; DeviceState is spelled in words ("Not in use"). */
export function endpointListItem(message: AmiRawMessage): Outcome<EndpointItem> {
  const read = new FieldReader(message);
  const endpoint = read.required("objectname");
  if (read.failed) return { kind: "malformed", reason: `EndpointList: ${read.failed}` };
  if (!isName(endpoint)) return { kind: "malformed", reason: "EndpointList: ObjectName has control characters" };
  const words = read.optional("devicestate", 32);
  // The endpoint's existence is the main fact here: an unknown word must not drop the endpoint.
  const deviceState = words === null ? null : (DEVICE_STATE_WORDS[words] ?? null);
  if (words !== null && deviceState === null) read.notes.push(`DeviceState ${short(words)} unknown`);
  return ok(
    { endpoint, aor: read.optional("aor"), deviceState, activeChannels: read.optionalInt("activechannels", 0, 1e6) },
    read.notes,
  );
}

/** `PJSIP/<endpoint>` → endpoint; anything else (other technologies, dial strings) → null. */
function pjsipEndpoint(device: string): string | null {
  if (!/^pjsip\//i.test(device)) return null;
  const endpoint = device.slice("PJSIP/".length);
  return endpoint !== "" && !endpoint.includes("/") && isName(endpoint) ? endpoint : null;
}

function isName(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return value !== "" && value.length <= LIMITS.name && !/[\x00-\x1f\x7f]/.test(value);
}

// The list's own string, not the word read: a value sliced from the AMI text keeps that whole chunk of
// text in memory for as long as the state holding it lives.
function contactStatus(word: string): ContactStatus | null {
  const at = (CONTACT_STATUSES as readonly string[]).indexOf(word);
  return at === -1 ? null : CONTACT_STATUSES[at]!;
}

function deviceState(word: string): DeviceState | null {
  const at = (DEVICE_STATES as readonly string[]).indexOf(word);
  return at === -1 ? null : DEVICE_STATES[at]!;
}

function ok<T>(value: T, notes: string[]): Outcome<T> {
  return { kind: "ok", value, notes };
}

function map<T, U>(outcome: Outcome<T>, convert: (value: T) => U): Outcome<U> {
  return outcome.kind === "ok" ? { kind: "ok", value: convert(outcome.value), notes: outcome.notes } : outcome;
}

function asFacts(outcome: Outcome<Fact>): Normalized {
  return outcome.kind === "ok" ? { kind: "facts", facts: [outcome.value], notes: outcome.notes } : outcome;
}

/** A value quoted in a reason, cut short: reasons are logged, raw values may be huge. */
function short(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
