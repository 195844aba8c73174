// The availability rule: one pure function combining the layers (README, "Availability").
//   phone (phone/phone-rule.ts) × presence / DND (presence/presence-rule.ts) × queues and wrap-up
//   (queues/queue-rule.ts) × staleness → reasons; available ⇔ no reason.
// `status` stays the phone's state; the other layers only add reasons.
import { PHONE_REASON } from "./phone/phone-rule.ts";
import { presenceReasons } from "./presence/presence-rule.ts";
import { queueReasons } from "./queues/queue-rule.ts";
import type { AgentStatus, PresenceState, QueueMembership, UnavailableReason } from "./types.ts";

export { contactIsReachable, deriveAvailability, derivePhone, DEVICE_STATE_STATUS, DEVICE_STATE_WORDS, EXTENSION_STATUS_DEVICE_STATE, STATUS_FLAGS } from "./phone/phone-rule.ts";
export type { Availability } from "./phone/phone-rule.ts";

export interface Layers {
  status: AgentStatus;
  dnd: boolean;
  presence: PresenceState | null;
  queues: readonly QueueMembership[];
  stale: boolean;
}

export interface Question {
  /** Answer for this queue (pause and wrap-up there, membership required); null: for the agent as a whole. */
  queue: string | null;
  now: number;
}

/** Every reason the agent cannot take a call, in a fixed order: phone, DND/presence, queues, staleness. */
export function unavailableReasons(layers: Layers, question: Question): UnavailableReason[] {
  const reasons: UnavailableReason[] = [];
  const phone = PHONE_REASON[layers.status];
  if (phone) reasons.push(phone);
  reasons.push(...presenceReasons(layers.dnd, layers.presence));
  reasons.push(...queueReasons(layers.queues, question.queue, question.now));
  if (layers.stale) reasons.push("STALE");
  return reasons;
}
