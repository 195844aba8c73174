// app_queue's AMI output, with the headers and order of the queue-member and queue-call-wrapup
// captures: the member events (class `agent`, `MemberName`/`Interface`), the QueueStatus items
// (`Name`/`Location`, no Ringinuse, `ActionID` LAST and no Privilege) and the caller/agent events.
import { formatMessage, type Headers } from "./ami-framing.ts";
import { listComplete, listStart } from "./ami-responses.ts";
import { DEVICE_STATE_NUMBER, type AsteriskDeviceState } from "./asterisk-states.ts";
import { channelHeaders, type Channel } from "./channel-events.ts";
import type { LiveEvent } from "./live-events.ts";

/** A member as app_queue reports it. */
export interface MemberView {
  queue: string;
  memberName: string;
  interface: string;
  stateInterface: string;
  penalty: number;
  callsTaken: number;
  /** Unix seconds; 0 = never. */
  lastCall: number;
  lastPause: number;
  loginTime: number;
  inCall: boolean;
  status: AsteriskDeviceState;
  paused: boolean;
  pausedReason: string;
  /** 0 = the queue's wrapuptime. */
  wrapuptime: number;
  /** Rung while in use (the queue's `ringinuse = no` unless set with QueueMemberRingInUse). */
  ringinuse: boolean;
}

export interface QueueParamsView {
  name: string;
  strategy: string;
  calls: number;
  holdtime: number;
  talktime: number;
  completed: number;
  abandoned: number;
}

export type MemberEventName = "QueueMemberAdded" | "QueueMemberRemoved" | "QueueMemberPause" | "QueueMemberStatus" | "QueueMemberRinginuse";

export function queueMemberEvent(name: MemberEventName, m: MemberView): LiveEvent {
  return {
    name,
    eventClass: "agent",
    headers: [
      ["Queue", m.queue],
      ["MemberName", m.memberName],
      ["Interface", m.interface],
      ...memberStateHeaders(m),
      ["Ringinuse", m.ringinuse ? 1 : 0],
      ["Wrapuptime", m.wrapuptime],
    ],
  };
}

function memberStateHeaders(m: MemberView): Headers {
  return [
    ["StateInterface", m.stateInterface],
    ["Membership", "dynamic"],
    ["Penalty", m.penalty],
    ["CallsTaken", m.callsTaken],
    ["LastCall", m.lastCall],
    ["LastPause", m.lastPause],
    ["LoginTime", m.loginTime],
    ["InCall", m.inCall ? 1 : 0],
    ["Status", DEVICE_STATE_NUMBER[m.status]],
    ["Paused", m.paused ? 1 : 0],
    ["PausedReason", m.pausedReason],
  ];
}

/** app_queue writes its list items itself: `ActionID` goes last, and is left out when empty. */
function trailingActionId(event: string, headers: Headers, actionId: string): string {
  return formatMessage([["Event", event], ...headers, ...(actionId === "" ? [] : ([["ActionID", actionId]] as Headers))]);
}

/** A caller waiting in a queue (QueueStatus's QueueEntry). */
export interface QueueEntryView {
  position: number;
  channel: Channel;
  waitSeconds: number;
}

/** QueueStatus: per queue its QueueParams, its QueueMember items, then a QueueEntry per waiting caller;
 * ListItems counts them all. Never an error: no queue (or an unknown one asked for) is 0 items. */
export function queueStatusAnswer(
  actionId: string,
  queues: ReadonlyArray<{ params: QueueParamsView; members: readonly MemberView[]; entries?: readonly QueueEntryView[] }>,
): string {
  const parts = [listStart(actionId, "Queue status will follow")];
  let items = 0;
  for (const { params: q, members, entries = [] } of queues) {
    parts.push(
      trailingActionId(
        "QueueParams",
        [
          ["Queue", q.name],
          ["Max", 0],
          ["Strategy", q.strategy],
          ["Calls", q.calls],
          ["Holdtime", q.holdtime],
          ["TalkTime", q.talktime],
          ["Completed", q.completed],
          ["Abandoned", q.abandoned],
          ["ServiceLevel", 0],
          ["ServicelevelPerf", "0.0"],
          ["ServicelevelPerf2", "0.0"],
          ["Weight", 0],
        ],
        actionId,
      ),
    );
    items += 1;
    for (const m of members) {
      parts.push(trailingActionId("QueueMember", [["Queue", m.queue], ["Name", m.memberName], ["Location", m.interface], ...memberStateHeaders(m), ["Wrapuptime", m.wrapuptime]], actionId));
      items += 1;
    }
    for (const e of entries) {
      // app_queue writes a caller ID that is not set as `unknown` here (the channel events say `<unknown>`).
      const known = (value: string) => (value === "<unknown>" ? "unknown" : value);
      parts.push(
        trailingActionId(
          "QueueEntry",
          [
            ["Queue", q.name],
            ["Position", e.position],
            ["Channel", e.channel.name],
            ["Uniqueid", e.channel.uniqueid],
            ["CallerIDNum", known(e.channel.callerNum)],
            ["CallerIDName", known(e.channel.callerName)],
            ["ConnectedLineNum", known(e.channel.connectedNum)],
            ["ConnectedLineName", known(e.channel.connectedName)],
            ["Wait", e.waitSeconds],
            ["Priority", 0],
          ],
          actionId,
        ),
      );
      items += 1;
    }
  }
  parts.push(listComplete("QueueStatusComplete", actionId, items));
  return parts.join("");
}

/** QueueSummary: LoggedIn counts members not UNAVAILABLE/INVALID; Available those not in use and not paused. */
export function queueSummaryAnswer(actionId: string, queues: ReadonlyArray<{ params: QueueParamsView; members: readonly MemberView[]; entries?: readonly QueueEntryView[] }>): string {
  const parts = [listStart(actionId, "Queue summary will follow")];
  for (const { params: q, members, entries = [] } of queues) {
    const loggedIn = members.filter((m) => m.status !== "UNAVAILABLE" && m.status !== "INVALID").length;
    const available = members.filter((m) => (m.status === "NOT_INUSE" || m.status === "UNKNOWN") && !m.paused).length;
    parts.push(
      trailingActionId(
        "QueueSummary",
        [
          ["Queue", q.name],
          ["LoggedIn", loggedIn],
          ["Available", available],
          ["Callers", q.calls],
          ["HoldTime", q.holdtime],
          ["TalkTime", q.talktime],
          ["LongestHoldTime", Math.max(0, ...entries.map((e) => e.waitSeconds))],
        ],
        actionId,
      ),
    );
  }
  parts.push(listComplete("QueueSummaryComplete", actionId, queues.length));
  return parts.join("");
}

const agentEvent = (name: string, headers: Headers): LiveEvent => ({ name, eventClass: "agent", headers });

export function queueCallerJoinEvent(caller: Channel, queue: string, position: number, count: number): LiveEvent {
  return agentEvent("QueueCallerJoin", [...channelHeaders(caller), ["Queue", queue], ["Position", position], ["Count", count]]);
}

/** The caller hung up before a member answered (sent before its QueueCallerLeave). */
export function queueCallerAbandonEvent(caller: Channel, queue: string, position: number, holdSeconds: number): LiveEvent {
  return agentEvent("QueueCallerAbandon", [...channelHeaders(caller), ["Queue", queue], ["Position", position], ["OriginalPosition", position], ["HoldTime", holdSeconds]]);
}

export function queueCallerLeaveEvent(caller: Channel, queue: string, position: number, count: number): LiveEvent {
  return agentEvent("QueueCallerLeave", [...channelHeaders(caller), ["Queue", queue], ["Position", position], ["Count", count]]);
}

function agentHeaders(caller: Channel, member: Channel, queue: string, m: { interface: string; memberName: string }): Headers {
  return [...channelHeaders(caller), ...channelHeaders(member, "Dest"), ["Queue", queue], ["Interface", m.interface], ["MemberName", m.memberName]];
}

export function agentCalledEvent(caller: Channel, member: Channel, queue: string, m: { interface: string; memberName: string }): LiveEvent {
  return agentEvent("AgentCalled", agentHeaders(caller, member, queue, m));
}

export function agentConnectEvent(caller: Channel, member: Channel, queue: string, m: { interface: string; memberName: string }, holdTime: number, ringTime: number): LiveEvent {
  return agentEvent("AgentConnect", [...agentHeaders(caller, member, queue, m), ["HoldTime", holdTime], ["RingTime", ringTime]]);
}

export function agentCompleteEvent(caller: Channel, member: Channel, queue: string, m: { interface: string; memberName: string }, holdTime: number, talkTime: number, reason: "caller" | "agent"): LiveEvent {
  return agentEvent("AgentComplete", [...agentHeaders(caller, member, queue, m), ["HoldTime", holdTime], ["TalkTime", talkTime], ["Reason", reason]]);
}
