// Answers of the list actions, from plain entries, byte for byte as Asterisk 22 writes them:
// `Response: Success` + `EventList: start`, one item per entry carrying the ActionID, then
// `<Name>Complete` with `ListItems`. Where Asterisk answers an empty list with an error, so do we.
// Header order is the captures' order (sorcery order, not alphabetical).
import { createHash } from "node:crypto";
import { DEVICE_STATE_WORDS, EXTENSION_STATE, type AsteriskDeviceState } from "./asterisk-states.ts";
import { errorResponse, listComplete, listItem, listStart } from "./ami-responses.ts";

export type ContactListStatus = "Reachable" | "Unreachable" | "NonQualified" | "Unknown";

export interface ContactListEntry {
  aor: string;
  endpoint: string;
  uri: string;
  status: ContactListStatus;
  /** Microseconds of the last qualify; `N/A` unless Reachable. */
  roundtripUsec: number | "N/A";
  viaAddr: string;
  viaPort: number;
  callId: string;
  userAgent: string;
  /** Unix seconds. */
  expirationTime: number;
  qualifyFrequency: number;
  /** Seconds, e.g. 3. */
  qualifyTimeout: number;
}

export interface EndpointListEntry {
  name: string;
  aor: string;
  /** URIs of the AOR's contacts. */
  contacts: readonly string[];
  deviceState: AsteriskDeviceState;
  activeChannels: number;
  transport?: string;
  auths?: string;
}

export interface DeviceListEntry {
  /** `PJSIP/1000`. */
  device: string;
  state: AsteriskDeviceState;
}

export interface HintEntry {
  exten: string;
  context: string;
  /** `PJSIP/1000`. */
  hint: string;
  state: AsteriskDeviceState;
}

/** Asterisk's contact id, the ContactList `ObjectName`: `<aor>;@<md5 of the contact URI>`. */
export function contactObjectName(aor: string, uri: string): string {
  return `${aor};@${createHash("md5").update(uri).digest("hex")}`;
}

export function contactListAnswer(actionId: string, contacts: readonly ContactListEntry[]): string {
  if (contacts.length === 0) return errorResponse(actionId, "No Contacts found");
  const parts = [listStart(actionId, "A listing of Contacts follows, presented as ContactList events")];
  for (const c of contacts) {
    parts.push(
      listItem("ContactList", actionId, [
        ["ObjectType", "contact"],
        ["ObjectName", contactObjectName(c.aor, c.uri)],
        ["ViaAddr", c.viaAddr],
        ["QualifyTimeout", c.qualifyTimeout.toFixed(6)],
        ["Qualify2xxOnly", "false"],
        ["CallId", c.callId],
        ["RegServer", ""],
        ["PruneOnBoot", "no"],
        ["Path", ""],
        ["Endpoint", c.endpoint],
        ["ViaPort", c.viaPort],
        ["AuthenticateQualify", "no"],
        ["Uri", c.uri],
        ["QualifyFrequency", c.qualifyFrequency],
        ["UserAgent", c.userAgent],
        ["ExpirationTime", c.expirationTime],
        ["OutboundProxy", ""],
        ["Status", c.status],
        ["RoundtripUsec", c.roundtripUsec],
      ]),
    );
  }
  parts.push(listComplete("ContactListComplete", actionId, contacts.length));
  return parts.join("");
}

export function endpointListAnswer(actionId: string, endpoints: readonly EndpointListEntry[]): string {
  if (endpoints.length === 0) return errorResponse(actionId, "No endpoints found");
  const parts = [listStart(actionId, "A listing of Endpoints follows, presented as EndpointList events")];
  for (const e of endpoints) {
    parts.push(
      listItem("EndpointList", actionId, [
        ["ObjectType", "endpoint"],
        ["ObjectName", e.name],
        ["Transport", e.transport ?? "transport-udp"],
        ["Aor", e.aor],
        ["Auths", e.auths ?? e.name],
        ["OutboundAuths", ""],
        // `<aor>/<uri>,` per contact: note the trailing comma (AorList has none).
        ["Contacts", e.contacts.map((uri) => `${e.aor}/${uri},`).join("")],
        ["DeviceState", DEVICE_STATE_WORDS[e.deviceState]],
        ["ActiveChannels", e.activeChannels],
      ]),
    );
  }
  parts.push(listComplete("EndpointListComplete", actionId, endpoints.length));
  return parts.join("");
}

/** DeviceStateList has no empty-list error: an empty cache is just `ListItems: 0`. */
export function deviceStateListAnswer(actionId: string, devices: readonly DeviceListEntry[]): string {
  const parts = [listStart(actionId, "Device State Changes will follow")];
  for (const d of devices) parts.push(listItem("DeviceStateChange", actionId, [["Device", d.device], ["State", d.state]]));
  parts.push(listComplete("DeviceStateListComplete", actionId, devices.length));
  return parts.join("");
}

export function extensionStateListAnswer(actionId: string, hints: readonly HintEntry[]): string {
  if (hints.length === 0) return errorResponse(actionId, "No dialplan hints are available");
  const parts = [listStart(actionId, "Extension Statuses will follow")];
  for (const h of hints) parts.push(listItem("ExtensionStatus", actionId, hintHeaders(h)));
  parts.push(listComplete("ExtensionStateListComplete", actionId, hints.length));
  return parts.join("");
}

/** `Exten`, `Context`, `Hint`, `Status`, `StatusText`: the same names in the live event, the list item and ExtensionState. */
export function hintHeaders(h: HintEntry): Array<[string, string | number]> {
  const state = EXTENSION_STATE[h.state];
  return [
    ["Exten", h.exten],
    ["Context", h.context],
    ["Hint", h.hint],
    ["Status", state.status],
    ["StatusText", state.text],
  ];
}
