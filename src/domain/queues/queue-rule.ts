// The queue layer of the availability rule: pause and wrap-up, per queue or over all of an agent's queues.
// Wrap-up follows app_queue's own is_member_available(): a member is rung again once
// `now - wrapuptime >= LastCall`, with LastCall and now in whole seconds. No AMI event marks its
// start or end, and no AMI field carries the queue's wrapuptime: it comes from our settings.
import type { QueueMember, QueueMembership, UnavailableReason } from "../types.ts";

export interface QueuePolicy {
  /** The queue's `wrapuptime` (queues.conf) in seconds. */
  wrapUpSeconds(queue: string): number;
  /** queues.conf `shared_lastcall`: a call from one queue starts the wrap-up in the member's other queues too. */
  sharedLastCall: boolean;
}

export const NO_WRAP_UP: QueuePolicy = { wrapUpSeconds: () => 0, sharedLastCall: false };

/** Epoch ms when the member may be rung again, or null when no wrap-up applies. */
export function wrapUpUntil(lastCallMs: number | null, wrapUpSeconds: number): number | null {
  if (lastCallMs === null || lastCallMs <= 0 || wrapUpSeconds <= 0) return null;
  // LastCall is a whole second; Asterisk compares whole seconds, so the window ends on a second boundary.
  return (Math.floor(lastCallMs / 1000) + wrapUpSeconds) * 1000;
}

/** Adds each membership's wrap-up window. With shared_lastcall the latest LastCall of the interface counts in every queue. */
export function withWrapUp(members: readonly QueueMember[], policy: QueuePolicy): QueueMembership[] {
  const lastCallOf = new Map<string, number>();
  if (policy.sharedLastCall) {
    for (const m of members) if (m.lastCall !== null) lastCallOf.set(m.interface, Math.max(lastCallOf.get(m.interface) ?? 0, m.lastCall));
  }
  return members.map((m) => {
    const lastCall = policy.sharedLastCall ? (lastCallOf.get(m.interface) ?? m.lastCall) : m.lastCall;
    return { ...m, wrapUpUntil: wrapUpUntil(lastCall, m.wrapUpSeconds ?? policy.wrapUpSeconds(m.queue)) };
  });
}

/**
 * The reasons this layer adds at `now`.
 * - For one queue: not a member → NOT_IN_QUEUE; paused there → PAUSED; in wrap-up there → WRAP_UP.
 * - Without a queue: PAUSED when paused in every queue the agent belongs to; WRAP_UP when in wrap-up in
 *   any (after-call work is the person's state, whichever queue the call came from).
 */
export function queueReasons(queues: readonly QueueMembership[], queue: string | null, now: number): UnavailableReason[] {
  const relevant = queue === null ? queues : queues.filter((m) => m.queue === queue);
  if (queue !== null && relevant.length === 0) return ["NOT_IN_QUEUE"];
  const reasons: UnavailableReason[] = [];
  if (relevant.length > 0 && relevant.every((m) => m.paused)) reasons.push("PAUSED");
  if (relevant.some((m) => m.wrapUpUntil !== null && m.wrapUpUntil > now)) reasons.push("WRAP_UP");
  return reasons;
}

/** The next moment a wrap-up window ends after `now` (the service's timer), or null. */
export function nextWrapUpEnd(queues: readonly QueueMembership[], now: number): number | null {
  let next: number | null = null;
  for (const m of queues) if (m.wrapUpUntil !== null && m.wrapUpUntil > now && (next === null || m.wrapUpUntil < next)) next = m.wrapUpUntil;
  return next;
}
