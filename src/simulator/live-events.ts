// Unsolicited (live) events as data, and their wire form. A live event carries `Privilege:
// <class>,all` as its second line; a session receives it only when its event mask has the class.
import { formatMessage, type Headers } from "./ami-framing.ts";
import { hintHeaders, type HintEntry } from "./ami-lists.ts";
import type { AsteriskDeviceState } from "./asterisk-states.ts";

/** Read classes of live events: `agent` carries app_queue's QueueMember*, QueueCaller* and Agent* events. */
export type EventClass = "system" | "call" | "agent";

export interface LiveEvent {
  readonly name: string;
  readonly eventClass: EventClass;
  /** Headers after `Event` and `Privilege`, in wire order. */
  readonly headers: Headers;
}

/** The events that carry availability (what the rate of the activity driver counts). */
export const STATE_EVENTS: ReadonlySet<string> = new Set([
  "ContactStatus",
  "PeerStatus",
  "DeviceStateChange",
  "ExtensionStatus",
  "PresenceStateChange",
  "PresenceStatus",
  "QueueMemberAdded",
  "QueueMemberRemoved",
  "QueueMemberPause",
  "QueueMemberStatus",
]);

export function formatLiveEvent(event: LiveEvent): string {
  return formatMessage([["Event", event.name], ["Privilege", `${event.eventClass},all`], ...event.headers]);
}

export type ContactStatusWord = "NonQualified" | "Reachable" | "Unreachable" | "Removed";

/** RoundtripUsec is 0 in every ContactStatus but Reachable. */
export function contactStatusEvent(contact: { aor: string; endpoint: string; uri: string }, status: ContactStatusWord, roundtripUsec = 0): LiveEvent {
  return {
    name: "ContactStatus",
    eventClass: "system",
    headers: [
      ["URI", contact.uri],
      ["ContactStatus", status],
      ["AOR", contact.aor],
      ["EndpointName", contact.endpoint],
      ["RoundtripUsec", status === "Reachable" ? roundtripUsec : 0],
    ],
  };
}

/** PJSIP's endpoint aggregate: `Unreachable` also means "no contact left" (there is no Unregistered). */
export function peerStatusEvent(endpoint: string, reachable: boolean): LiveEvent {
  return {
    name: "PeerStatus",
    eventClass: "system",
    headers: [
      ["ChannelType", "PJSIP"],
      ["Peer", `PJSIP/${endpoint}`],
      ["PeerStatus", reachable ? "Reachable" : "Unreachable"],
    ],
  };
}

export function deviceStateChangeEvent(device: string, state: AsteriskDeviceState): LiveEvent {
  return { name: "DeviceStateChange", eventClass: "call", headers: [["Device", device], ["State", state]] };
}

export function extensionStatusEvent(hint: HintEntry): LiveEvent {
  return { name: "ExtensionStatus", eventClass: "call", headers: hintHeaders(hint) };
}
