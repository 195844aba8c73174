// Calls to a queue, with the events and order of the queue-call-wrapup capture: the dialplan answers
// the caller at once and it joins the queue; a free member (unpaused, out of wrap-up: QueueBook's
// rule) is rung, answers and is bridged; the caller hangs up and the member's NOT_INUSE ends the call
// for app_queue (LastCall, CallsTaken). When is up to the caller (scenarios.ts): offer() returns null
// while nobody can take the call, and is asked again later, as app_queue re-checks about once a second.
import {
  bridgeCreateEvent,
  bridgeDestroyEvent,
  bridgeEnterEvent,
  bridgeLeaveEvent,
  connect,
  dialBeginEvent,
  dialEndEvent,
  dialStateEvent,
  hangupEvent,
  hangupRequestEvent,
  newchannelEvent,
  newConnectedLineEvent,
  newstateEvent,
  softHangupRequestEvent,
  type Channel,
} from "./channel-events.ts";
import type { LiveEvent } from "./live-events.ts";
import type { QueueLeg, SimAgent, SimCall } from "./pbx-model.ts";
import type { QueueBook, SimMember } from "./queue-book.ts";
import { agentCalledEvent, agentCompleteEvent, agentConnectEvent, queueCallerAbandonEvent, queueCallerJoinEvent, queueCallerLeaveEvent } from "./queue-events.ts";

/** What a queue call needs from the PBX model. */
export interface CallDesk {
  readonly channelEvents: boolean;
  readonly queues: QueueBook;
  now(): number;
  nextCallId(): number;
  bridgeId(): string;
  newChannel(agent: SimAgent, state: Channel["state"], exten: string, linkedid: string | null): Channel;
  /** Appends the agent's DeviceStateChange / ExtensionStatus when its state changed. */
  announceChange(agent: SimAgent, what: "device" | "hint", out: LiveEvent[]): void;
  reindex(agent: SimAgent): void;
  canCall(agent: SimAgent): boolean;
  agentOf(iface: string): SimAgent | undefined;
  addCall(call: SimCall): void;
  hasCall(call: SimCall): boolean;
  endCall(call: SimCall): void;
}

export class QueueCalls {
  constructor(private readonly desk: CallDesk) {}

  /** The caller dials the queue: the dialplan answers at once (`Answer()`), the caller joins the queue
   * (`Queue:<q>` RINGING, QueueCallerJoin). No member is rung yet: see offer. */
  start(caller: SimAgent, queueName: string): { call: SimCall; events: LiveEvent[] } {
    const q = this.desk.queues.queue(queueName);
    if (!q) throw new Error(`queue call: no queue ${queueName}`);
    if (!this.desk.canCall(caller)) throw new Error(`queue call: ${caller.extension} is not available (${caller.bucket})`);
    const callerChannel = this.desk.newChannel(caller, "Ring", q.extension, null);
    const call: SimCall = {
      id: this.desk.nextCallId(),
      caller,
      callee: null,
      phase: "waiting",
      callerChannel,
      calleeChannel: null,
      bridge: { uniqueid: this.desk.bridgeId(), technology: "simple_bridge", channels: 0 },
      queue: { q, member: null, joinedAtMs: this.desk.now(), ringStartedAtMs: 0, answeredAtMs: 0 },
    };
    this.desk.addCall(call);
    caller.call = call;
    const events: LiveEvent[] = [];
    this.desk.announceChange(caller, "hint", events);
    if (this.desk.channelEvents) events.push(newchannelEvent(callerChannel));
    callerChannel.state = "Up";
    if (this.desk.channelEvents) events.push(newstateEvent(callerChannel));
    this.desk.announceChange(caller, "device", events);
    callerChannel.priority = 2;
    events.push(...this.desk.queues.callerJoined(q));
    events.push(queueCallerJoinEvent(callerChannel, q.name, 1, q.waiting));
    this.desk.reindex(caller);
    return { call, events };
  }

  /** app_queue rings an available member (ringall here rings the first one free; one member per call),
   * or nobody while every member is paused, busy or in wrap-up: then null, and the caller waits. */
  offer(call: SimCall): LiveEvent[] | null {
    const leg = call.queue;
    if (!leg || call.phase !== "waiting" || !this.desk.hasCall(call)) return null;
    const phoneOf = (m: SimMember) => this.desk.agentOf(m.interface);
    const member = this.desk.queues.nextMember(leg.q.name, (m) => {
      const phone = phoneOf(m);
      return phone !== undefined && phone !== call.caller && this.desk.canCall(phone);
    });
    const callee = member ? phoneOf(member) : undefined;
    if (!member || !callee) return null;
    const { callerChannel } = call;
    const calleeChannel = this.desk.newChannel(callee, "Down", "s", callerChannel.linkedid);
    call.callee = callee;
    call.calleeChannel = calleeChannel;
    call.phase = "ringing";
    leg.member = member;
    leg.ringStartedAtMs = this.desk.now();
    callee.call = call;
    const events: LiveEvent[] = [];
    if (this.desk.channelEvents) events.push(newchannelEvent(calleeChannel));
    connect(calleeChannel, call.caller);
    events.push(agentCalledEvent(callerChannel, calleeChannel, leg.q.name, member));
    if (this.desk.channelEvents) {
      const dialed = { ...calleeChannel, connectedNum: "<unknown>", connectedName: "<unknown>" };
      events.push(dialBeginEvent(callerChannel, dialed, member.interface));
    }
    calleeChannel.state = "Ringing";
    calleeChannel.exten = callerChannel.exten;
    if (this.desk.channelEvents) events.push(newstateEvent(calleeChannel), newConnectedLineEvent(calleeChannel));
    this.desk.announceChange(callee, "hint", events);
    this.desk.announceChange(callee, "device", events);
    if (this.desk.channelEvents) events.push(dialStateEvent(callerChannel, calleeChannel, "RINGING"));
    this.desk.reindex(callee);
    return events;
  }

  /** The member answers: bridged with the caller, who leaves the queue. */
  answer(call: SimCall): LiveEvent[] {
    const leg = call.queue;
    const { callee, calleeChannel, callerChannel, bridge } = call;
    if (!leg?.member || !callee || !calleeChannel || call.phase !== "ringing" || !this.desk.hasCall(call)) return [];
    call.phase = "up";
    leg.answeredAtMs = this.desk.now();
    const events: LiveEvent[] = [];
    calleeChannel.state = "Up";
    if (this.desk.channelEvents) events.push(newstateEvent(calleeChannel));
    if (this.desk.channelEvents) events.push(dialEndEvent(callerChannel, calleeChannel, "ANSWER"));
    connect(callerChannel, callee);
    if (this.desk.channelEvents) events.push(newConnectedLineEvent(callerChannel));
    this.desk.announceChange(callee, "hint", events);
    events.push(...this.desk.queues.callerLeft(leg.q, false));
    events.push(queueCallerLeaveEvent(callerChannel, leg.q.name, 1, leg.q.waiting));
    this.desk.announceChange(callee, "device", events);
    const holdSeconds = Math.floor((leg.answeredAtMs - leg.joinedAtMs) / 1000);
    const ringSeconds = Math.floor((leg.answeredAtMs - leg.ringStartedAtMs) / 1000);
    events.push(agentConnectEvent(callerChannel, calleeChannel, leg.q.name, leg.member, holdSeconds, ringSeconds));
    this.desk.queues.callConnected(leg.q, leg.member, holdSeconds);
    if (this.desk.channelEvents) {
      events.push(bridgeCreateEvent(bridge));
      bridge.channels = 1;
      events.push(bridgeEnterEvent(bridge, calleeChannel));
      bridge.channels = 2;
      events.push(bridgeEnterEvent(bridge, callerChannel));
    }
    return events;
  }

  /** The member is no longer rung (it went away): the caller waits for the next one. */
  private returnToQueue(call: SimCall, events: LiveEvent[]): void {
    const { callee, calleeChannel } = call;
    if (!callee || !calleeChannel || !call.queue) return;
    if (this.desk.channelEvents) events.push(dialEndEvent(call.callerChannel, calleeChannel, "CANCEL"), hangupEvent(calleeChannel, 16));
    if (callee.call === call) callee.call = null;
    call.callee = null;
    call.calleeChannel = null;
    call.phase = "waiting";
    call.queue.member = null;
    this.desk.reindex(callee);
  }

  /** The caller hangs up: AgentComplete, the member's NOT_INUSE ends the call for app_queue (CallsTaken+1,
   * LastCall = this second: the wrap-up starts, silently); a caller still waiting abandons. */
  hangup(call: SimCall, leg: QueueLeg, cause: number): LiveEvent[] {
    const events: LiveEvent[] = [];
    const { callerChannel, calleeChannel, bridge, callee } = call;
    if (call.phase === "up" && callee && calleeChannel && leg.member) {
      if (this.desk.channelEvents) events.push(hangupRequestEvent(callerChannel, null));
      const holdSeconds = Math.floor((leg.answeredAtMs - leg.joinedAtMs) / 1000);
      const talkSeconds = Math.floor((this.desk.now() - leg.answeredAtMs) / 1000);
      events.push(agentCompleteEvent(callerChannel, calleeChannel, leg.q.name, leg.member, holdSeconds, talkSeconds, "caller"));
      if (this.desk.channelEvents) {
        bridge.technology = "native_rtp";
        bridge.channels = 1;
        events.push(bridgeLeaveEvent(bridge, callerChannel));
        bridge.channels = 0;
        events.push(bridgeLeaveEvent(bridge, calleeChannel), hangupEvent(calleeChannel, cause), bridgeDestroyEvent(bridge), softHangupRequestEvent(callerChannel, cause));
      }
    } else {
      if (call.phase === "ringing") this.returnToQueue(call, events);
      const holdSeconds = Math.floor((this.desk.now() - leg.joinedAtMs) / 1000);
      events.push(queueCallerAbandonEvent(callerChannel, leg.q.name, 1, holdSeconds));
      events.push(...this.desk.queues.callerLeft(leg.q, true), queueCallerLeaveEvent(callerChannel, leg.q.name, 1, leg.q.waiting));
    }
    this.desk.endCall(call);
    if (callee) {
      this.desk.announceChange(callee, "device", events);
      this.desk.announceChange(callee, "hint", events);
    }
    this.desk.announceChange(call.caller, "hint", events);
    if (this.desk.channelEvents) events.push(hangupEvent(callerChannel, cause));
    this.desk.announceChange(call.caller, "device", events);
    return events;
  }
}
