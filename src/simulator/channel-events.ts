// Channel, dial and bridge events of a basic two-party call, with the headers and order of the
// `call-inuse` capture. The service ignores them, but a real Asterisk sends them (class `call`) and
// they are most of the bytes on a busy PBX, so the simulator sends them too.
import type { Headers } from "./ami-framing.ts";
import type { LiveEvent } from "./live-events.ts";

export type ChannelStateName = "Down" | "Ring" | "Ringing" | "Up";

const CHANNEL_STATE_CODE: Readonly<Record<ChannelStateName, number>> = { Down: 0, Ring: 4, Ringing: 5, Up: 6 };

export interface Channel {
  readonly name: string;
  readonly uniqueid: string;
  readonly linkedid: string;
  readonly callerNum: string;
  readonly callerName: string;
  readonly context: string;
  state: ChannelStateName;
  connectedNum: string;
  connectedName: string;
  exten: string;
  /** Dialplan priority (default 1; a queue caller sits at 2, after `Answer()`). */
  priority?: number;
}

export interface Bridge {
  readonly uniqueid: string;
  technology: "simple_bridge" | "native_rtp";
  channels: number;
}

export function channelHeaders(ch: Channel, prefix = ""): Headers {
  return [
    [`${prefix}Channel`, ch.name],
    [`${prefix}ChannelState`, CHANNEL_STATE_CODE[ch.state]],
    [`${prefix}ChannelStateDesc`, ch.state],
    [`${prefix}CallerIDNum`, ch.callerNum],
    [`${prefix}CallerIDName`, ch.callerName],
    [`${prefix}ConnectedLineNum`, ch.connectedNum],
    [`${prefix}ConnectedLineName`, ch.connectedName],
    [`${prefix}Language`, "en"],
    [`${prefix}AccountCode`, ""],
    [`${prefix}Context`, ch.context],
    [`${prefix}Exten`, ch.exten],
    [`${prefix}Priority`, ch.priority ?? 1],
    [`${prefix}Uniqueid`, ch.uniqueid],
    [`${prefix}Linkedid`, ch.linkedid],
  ];
}

function bridgeHeaders(bridge: Bridge): Headers {
  return [
    ["BridgeUniqueid", bridge.uniqueid],
    ["BridgeType", "basic"],
    ["BridgeTechnology", bridge.technology],
    ["BridgeCreator", "<unknown>"],
    ["BridgeName", "<unknown>"],
    ["BridgeNumChannels", bridge.channels],
    ["BridgeVideoSourceMode", "none"],
  ];
}

const callEvent = (name: string, headers: Headers): LiveEvent => ({ name, eventClass: "call", headers });

export const newchannelEvent = (ch: Channel): LiveEvent => callEvent("Newchannel", channelHeaders(ch));
export const newConnectedLineEvent = (ch: Channel): LiveEvent => callEvent("NewConnectedLine", channelHeaders(ch));
export const newstateEvent = (ch: Channel): LiveEvent => callEvent("Newstate", channelHeaders(ch));

export function dialBeginEvent(caller: Channel, callee: Channel, dialString: string): LiveEvent {
  return callEvent("DialBegin", [...channelHeaders(caller), ...channelHeaders(callee, "Dest"), ["DialString", dialString]]);
}

export function dialStateEvent(caller: Channel, callee: Channel, status: "RINGING"): LiveEvent {
  return callEvent("DialState", [...channelHeaders(caller), ...channelHeaders(callee, "Dest"), ["DialStatus", status]]);
}

export function dialEndEvent(caller: Channel, callee: Channel, status: "ANSWER" | "CANCEL"): LiveEvent {
  return callEvent("DialEnd", [...channelHeaders(caller), ...channelHeaders(callee, "Dest"), ["DialStatus", status]]);
}

export const bridgeCreateEvent = (bridge: Bridge): LiveEvent => callEvent("BridgeCreate", bridgeHeaders(bridge));
export const bridgeDestroyEvent = (bridge: Bridge): LiveEvent => callEvent("BridgeDestroy", bridgeHeaders(bridge));
export const bridgeEnterEvent = (bridge: Bridge, ch: Channel): LiveEvent => callEvent("BridgeEnter", [...bridgeHeaders(bridge), ...channelHeaders(ch)]);
export const bridgeLeaveEvent = (bridge: Bridge, ch: Channel): LiveEvent => callEvent("BridgeLeave", [...bridgeHeaders(bridge), ...channelHeaders(ch)]);

/** `Cause` is there in call-inuse, not when a queue caller hangs up (queue-call-wrapup): null leaves it out. */
export const hangupRequestEvent = (ch: Channel, cause: number | null): LiveEvent =>
  callEvent("HangupRequest", cause === null ? channelHeaders(ch) : [...channelHeaders(ch), ["Cause", cause]]);
export const softHangupRequestEvent = (ch: Channel, cause: number): LiveEvent => callEvent("SoftHangupRequest", [...channelHeaders(ch), ["Cause", cause]]);

/** Q.850 causes the simulator uses: 16 Normal Clearing (hang-up), 27 Destination out of order (phone gone). */
export const CAUSE_TEXT: Readonly<Record<number, string>> = { 16: "Normal Clearing", 27: "Destination out of order" };

export function hangupEvent(ch: Channel, cause: number): LiveEvent {
  return callEvent("Hangup", [...channelHeaders(ch), ["Cause", cause], ["Cause-txt", CAUSE_TEXT[cause] ?? "Unknown"]]);
}

/** How the simulator names an agent's phone (CallerID name, member name): `Agent 1000`. */
export function agentName(agent: { extension: string }): string {
  return `Agent ${agent.extension}`;
}

/** The channel is now connected to `other` (NewConnectedLine's ConnectedLineNum/Name). */
export function connect(channel: Channel, other: { extension: string }): void {
  channel.connectedNum = other.extension;
  channel.connectedName = agentName(other);
}
