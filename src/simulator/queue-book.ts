// app_queue's state: named queues with their settings, dynamic members with pause, reason and call
// counters, and the rule that decides who may be rung (is_member_available): device free, not
// paused, and not in wrap-up (`now - wrapuptime < LastCall`, whole seconds). Returns the events
// app_queue sends for each change, in the captures' order. Pure state: the clock is injected,
// phones' device states are asked for, pseudo-devices go through the shared DeviceRegistry.
import type { AsteriskDeviceState } from "./asterisk-states.ts";
import { IndexedSet } from "./indexed-set.ts";
import { pushEvent, type DeviceRegistry } from "./device-registry.ts";
import type { LiveEvent } from "./live-events.ts";
import { queueMemberEvent, type MemberView, type QueueParamsView } from "./queue-events.ts";

export interface QueueSettings {
  name: string;
  /** queues.conf `wrapuptime` (s): no AMI field carries it. Default 5, as in the lab. */
  wrapupSeconds?: number;
  /** The dialplan number callers dial (the lab: support 2000, sales 2001); default the queue's name. */
  extension?: string;
}

export interface SimMember extends MemberView {
  /** Unix seconds the current queue call was bridged (app_queue's `starttime`); 0 = none. */
  callStartedAt: number;
}

export interface SimQueue {
  readonly name: string;
  readonly wrapupSeconds: number;
  readonly extension: string;
  /** By interface, in the order they were added. */
  readonly members: Map<string, SimMember>;
  /** Callers waiting. */
  waiting: number;
  holdtime: number;
  talktime: number;
  completed: number;
  abandoned: number;
}

export type QueueFailure = "NoSuchQueue" | "AlreadyMember" | "NotMember" | "InterfaceNotFound";
export type QueueOutcome = { ok: true; events: LiveEvent[] } | { ok: false; failure: QueueFailure };

export interface AddMemberOptions {
  memberName?: string;
  penalty?: number;
  paused?: boolean;
  reason?: string;
  stateInterface?: string;
  wrapuptime?: number;
}

export interface QueueBookOptions {
  queues: readonly QueueSettings[];
  devices: DeviceRegistry;
  /** Unix seconds (app_queue uses time(NULL)). */
  nowSeconds(): number;
  /** Current state of a member's state interface (`PJSIP/1000`). */
  deviceState(device: string): AsteriskDeviceState;
}

export const DEFAULT_WRAPUP_SECONDS = 5;

export class QueueBook {
  private readonly queues = new Map<string, SimQueue>();
  /** Memberships by pause, for the activity driver's picks. */
  readonly paused = new IndexedSet<SimMember>();
  readonly unpaused = new IndexedSet<SimMember>();

  constructor(private readonly options: QueueBookOptions) {
    for (const settings of options.queues) {
      if (this.queues.has(settings.name)) throw new Error(`queue ${settings.name} is configured twice`);
      this.queues.set(settings.name, newQueue(settings));
    }
    this.publishLoaded();
  }

  get size(): number {
    return this.queues.size;
  }

  list(): SimQueue[] {
    return [...this.queues.values()];
  }

  queue(name: string): SimQueue | undefined {
    return this.queues.get(name);
  }

  /** Queue memberships of an interface, in queue order. */
  membershipsOf(iface: string): SimMember[] {
    return this.list().flatMap((q) => {
      const m = q.members.get(iface);
      return m ? [m] : [];
    });
  }

  /** `queue add member` / QueueAdd: pause device, QueueMemberAdded (Paused 1 when added paused, no
   * separate QueueMemberPause), then `Queue:<q>_avail` if the member can take a call. */
  add(queueName: string, iface: string, options: AddMemberOptions = {}): QueueOutcome {
    const q = this.queues.get(queueName);
    if (!q) return { ok: false, failure: "NoSuchQueue" };
    if (q.members.has(iface)) return { ok: false, failure: "AlreadyMember" };
    const now = this.options.nowSeconds();
    const stateInterface = options.stateInterface || iface;
    const paused = options.paused ?? false;
    const member: SimMember = {
      queue: q.name,
      memberName: options.memberName || iface,
      interface: iface,
      stateInterface,
      penalty: options.penalty ?? 0,
      callsTaken: 0,
      lastCall: 0,
      lastPause: paused ? now : 0,
      loginTime: now,
      inCall: false,
      callStartedAt: 0,
      status: this.options.deviceState(stateInterface),
      paused,
      pausedReason: options.reason ?? "",
      wrapuptime: options.wrapuptime ?? 0,
      ringinuse: false,
    };
    q.members.set(iface, member);
    this.indexPause(member);
    const events: LiveEvent[] = [];
    pushEvent(events, this.options.devices.set(pauseDevice(q, iface), paused ? "INUSE" : "NOT_INUSE"));
    events.push(queueMemberEvent("QueueMemberAdded", member));
    if (this.isAvailable(q, member)) pushEvent(events, this.options.devices.set(availDevice(q), "NOT_INUSE"));
    return { ok: true, events };
  }

  /** `queue remove member` / QueueRemove: QueueMemberRemoved with the last state, pause device back to NOT_INUSE, avail. */
  remove(queueName: string, iface: string): QueueOutcome {
    const q = this.queues.get(queueName);
    if (!q) return { ok: false, failure: "NoSuchQueue" };
    const member = q.members.get(iface);
    if (!member) return { ok: false, failure: "NotMember" };
    const events: LiveEvent[] = [queueMemberEvent("QueueMemberRemoved", member)];
    q.members.delete(iface);
    this.paused.delete(member);
    this.unpaused.delete(member);
    pushEvent(events, this.options.devices.set(pauseDevice(q, iface), "NOT_INUSE"));
    if (!this.anyAvailable(q)) pushEvent(events, this.options.devices.set(availDevice(q), "INUSE"));
    return { ok: true, events };
  }

  /** QueuePause / `queue (un)pause member`, in one queue or (no queue) in all of the member's.
   * Per queue: pause device, avail, QueueMemberPause. The reason is kept while paused; an unpause
   * reports an empty one unless it was given one itself. */
  pause(queueName: string | undefined, iface: string, paused: boolean, reason = ""): QueueOutcome {
    const targets = queueName ? [this.queues.get(queueName)] : this.list();
    const events: LiveEvent[] = [];
    let found = 0;
    for (const q of targets) {
      const member = q?.members.get(iface);
      if (!q || !member) continue;
      found += 1;
      member.paused = paused;
      if (paused) member.lastPause = this.options.nowSeconds();
      member.pausedReason = paused ? reason : "";
      this.indexPause(member);
      pushEvent(events, this.options.devices.set(pauseDevice(q, iface), paused ? "INUSE" : "NOT_INUSE"));
      if (this.isAvailable(q, member)) pushEvent(events, this.options.devices.set(availDevice(q), "NOT_INUSE"));
      else if (!this.anyAvailable(q)) pushEvent(events, this.options.devices.set(availDevice(q), "INUSE"));
      events.push(queueMemberEvent("QueueMemberPause", paused ? member : { ...member, pausedReason: reason }));
    }
    return found > 0 ? { ok: true, events } : { ok: false, failure: "InterfaceNotFound" };
  }

  /** QueueMemberRingInUse: QueueMemberRinginuse in each queue (one, or all of the member's). */
  setRinginuse(queueName: string | undefined, iface: string, ringinuse: boolean): QueueOutcome {
    const targets = queueName ? [this.queues.get(queueName)] : this.list();
    const events: LiveEvent[] = [];
    for (const q of targets) {
      const member = q?.members.get(iface);
      if (!member) continue;
      member.ringinuse = ringinuse;
      events.push(queueMemberEvent("QueueMemberRinginuse", member));
    }
    return events.length > 0 ? { ok: true, events } : { ok: false, failure: "InterfaceNotFound" };
  }

  /** A device changed state: every member whose state interface it is gets a QueueMemberStatus. The
   * first NOT_INUSE after a bridged queue call ends it: CallsTaken+1 and LastCall = now, in every
   * queue of the member (shared_lastcall = yes). Then each such queue's `_avail` device. */
  deviceChanged(device: string, state: AsteriskDeviceState): LiveEvent[] {
    const events: LiveEvent[] = [];
    for (const q of this.queues.values()) {
      let found = false;
      for (const member of q.members.values()) {
        if (member.stateInterface !== device) continue;
        found = true;
        if (member.status === state) continue;
        if (state === "NOT_INUSE") this.completeCall(q, member);
        member.status = state;
        events.push(queueMemberEvent("QueueMemberStatus", member));
      }
      if (found) pushEvent(events, this.options.devices.set(availDevice(q), this.anyAvailable(q) ? "NOT_INUSE" : "INUSE"));
    }
    return events;
  }

  /** app_queue's is_member_available: free device (ringinuse = no), not paused, not in wrap-up. */
  isAvailable(q: SimQueue, member: SimMember, now = this.options.nowSeconds()): boolean {
    const idle = member.status === "NOT_INUSE" || member.status === "UNKNOWN";
    const inUse = ["INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD"].includes(member.status);
    const free = (idle || (inUse && member.ringinuse)) && !member.paused;
    return free && !this.inWrapUp(q, member, now);
  }

  /** Rung again once `now - wrapuptime >= LastCall`; a member's non-zero Wrapuptime wins over the queue's. */
  inWrapUp(q: SimQueue, member: SimMember, now = this.options.nowSeconds()): boolean {
    const wrapup = member.wrapuptime || q.wrapupSeconds;
    return member.lastCall > 0 && wrapup > 0 && now - wrapup < member.lastCall;
  }

  /** Unix second from which the member may be rung again (0 when not in wrap-up). */
  wrapUpEnds(q: SimQueue, member: SimMember): number {
    return this.inWrapUp(q, member) ? member.lastCall + (member.wrapuptime || q.wrapupSeconds) : 0;
  }

  /** The member a waiting caller would be offered now, or null (the caller keeps waiting). */
  nextMember(queueName: string, canRing: (member: SimMember) => boolean = () => true): SimMember | null {
    const q = this.queues.get(queueName);
    if (!q) return null;
    for (const member of q.members.values()) if (this.isAvailable(q, member) && canRing(member)) return member;
    return null;
  }

  /** A caller joined (`Queue:<q>` RINGING while callers wait). */
  callerJoined(q: SimQueue): LiveEvent[] {
    q.waiting += 1;
    const events: LiveEvent[] = [];
    pushEvent(events, this.options.devices.set(`Queue:${q.name}`, "RINGING"));
    return events;
  }

  /** A caller left the queue (answered or gone); `abandoned` when nobody answered. */
  callerLeft(q: SimQueue, abandoned: boolean): LiveEvent[] {
    q.waiting = Math.max(0, q.waiting - 1);
    if (abandoned) q.abandoned += 1;
    const events: LiveEvent[] = [];
    if (q.waiting === 0) pushEvent(events, this.options.devices.set(`Queue:${q.name}`, "NOT_INUSE"));
    return events;
  }

  /** The member answered and is bridged: hold time joins the queue's average (recalc_holdtime). */
  callConnected(q: SimQueue, member: SimMember, holdSeconds: number): void {
    q.holdtime = q.completed + q.abandoned === 0 ? holdSeconds : (q.holdtime * 3 + holdSeconds) >> 2;
    member.callStartedAt = this.options.nowSeconds();
    member.inCall = true;
  }

  /** Asterisk restarted: persistent members come back from astdb with their pause and reason;
   * counters, LastCall and callers are gone; pseudo-devices are published again. */
  restart(): void {
    const now = this.options.nowSeconds();
    for (const q of this.queues.values()) {
      q.waiting = 0;
      q.holdtime = q.talktime = q.completed = q.abandoned = 0;
      for (const member of q.members.values()) {
        Object.assign(member, { callsTaken: 0, lastCall: 0, inCall: false, callStartedAt: 0, loginTime: now, lastPause: member.paused ? now : 0 });
        member.status = this.options.deviceState(member.stateInterface);
      }
    }
    this.publishLoaded();
  }

  view(queueName?: string): Array<{ params: QueueParamsView; members: SimMember[] }> {
    return this.list()
      .filter((q) => !queueName || q.name.toLowerCase() === queueName.toLowerCase())
      .map((q) => ({
        params: { name: q.name, strategy: "ringall", calls: q.waiting, holdtime: q.holdtime, talktime: q.talktime, completed: q.completed, abandoned: q.abandoned },
        members: [...q.members.values()],
      }));
  }

  private indexPause(member: SimMember): void {
    (member.paused ? this.unpaused : this.paused).delete(member);
    (member.paused ? this.paused : this.unpaused).add(member);
  }

  private completeCall(q: SimQueue, member: SimMember): void {
    if (member.callStartedAt === 0) return;
    const now = this.options.nowSeconds();
    const talk = now - member.callStartedAt;
    member.callStartedAt = 0;
    member.inCall = false;
    for (const shared of this.membershipsOf(member.interface)) {
      shared.lastCall = now;
      shared.callsTaken += 1;
    }
    q.completed += 1;
    q.talktime = q.completed === 1 ? talk : (q.talktime * 3 + talk) >> 2;
  }

  private anyAvailable(q: SimQueue): boolean {
    const now = this.options.nowSeconds();
    for (const member of q.members.values()) if (this.isAvailable(q, member, now)) return true;
    return false;
  }

  /** What app_queue publishes when it loads its queues and members (nobody hears it: seeded). */
  private publishLoaded(): void {
    const devices = this.options.devices;
    for (const q of this.queues.values()) {
      devices.seed(availDevice(q), this.anyAvailable(q) ? "NOT_INUSE" : "INUSE");
      for (const member of q.members.values()) devices.seed(pauseDevice(q, member.interface), member.paused ? "INUSE" : "NOT_INUSE");
    }
  }
}

export const availDevice = (q: { name: string }): string => `Queue:${q.name}_avail`;
export const pauseDevice = (q: { name: string }, iface: string): string => `Queue:${q.name}_pause_${iface}`;

function newQueue(settings: QueueSettings): SimQueue {
  const wrapupSeconds = settings.wrapupSeconds ?? DEFAULT_WRAPUP_SECONDS;
  if (!/^[A-Za-z0-9_-]+$/.test(settings.name)) throw new RangeError(`queue name "${settings.name}" must be letters, digits, - or _`);
  if (!Number.isInteger(wrapupSeconds) || wrapupSeconds < 0) throw new RangeError(`queue ${settings.name}: wrapupSeconds must be a whole number ≥ 0`);
  return { name: settings.name, wrapupSeconds, extension: settings.extension ?? settings.name, members: new Map(), waiting: 0, holdtime: 0, talktime: 0, completed: 0, abandoned: 0 };
}
