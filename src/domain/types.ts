// Domain vocabulary: what Asterisk tells us (facts) and what we derive (agent state).
// Pure types: nothing here knows about AMI framing, Prisma or GraphQL.

export const AGENT_STATUSES = ["AVAILABLE", "RINGING", "ON_CALL", "BUSY", "ON_HOLD", "UNREACHABLE", "OFFLINE"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** Asterisk's device states, in the UPPER form DeviceStateChange uses. */
export const DEVICE_STATES = [
  "UNKNOWN",
  "NOT_INUSE",
  "INUSE",
  "BUSY",
  "INVALID",
  "UNAVAILABLE",
  "RINGING",
  "RINGINUSE",
  "ONHOLD",
] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** A contact's qualify status as PJSIP reports it (ContactStatus / ContactList `Status`). */
export const CONTACT_STATUSES = ["Reachable", "Unreachable", "NonQualified", "Unknown"] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** One registered contact of an AOR, with the facts AMI gives about it. */
export interface Contact {
  /** Asterisk's contact id: `<aor>;@<md5(uri)>`. */
  id: string;
  uri: string;
  aor: string;
  status: ContactStatus;
  roundtripUsec: number | null;
  userAgent: string | null;
  /** Unix seconds. */
  expirationTime: number | null;
  viaAddr: string | null;
  viaPort: number | null;
  regServer: string | null;
  callId: string | null;
  /** Seconds; null when unknown (a live ContactStatus event does not carry it). */
  qualifyFrequency: number | null;
  qualifyTimeout: number | null;
}

/** Asterisk's presence states (func_presencestate), lower case as AMI spells them. */
export const PRESENCE_STATES = ["not_set", "unavailable", "available", "away", "xa", "chat", "dnd"] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

/** What the extension's presence provider (`CustomPresence:<ext>`) says. */
export interface PresenceReport {
  state: PresenceState;
  subtype: string | null;
  message: string | null;
}

export interface Presence extends PresenceReport {
  /** Epoch ms of the last change of state, subtype or message (as seen by this service). */
  since: number;
}

/** One queue membership as app_queue reports it (QueueMember* events, QueueStatus items). */
export interface QueueMember {
  queue: string;
  /** MemberName (events) / Name (QueueStatus). */
  name: string | null;
  /** Interface (events) / Location (QueueStatus), e.g. `PJSIP/1000`. */
  interface: string;
  paused: boolean;
  /** Empty in Asterisk on unpause: null then. */
  pausedReason: string | null;
  /** Epoch ms of LastPause (whole seconds); null when never paused. */
  pausedSince: number | null;
  /** As Asterisk says; unreliable right after a call is answered (not used by the rule). */
  inCall: boolean;
  callsTaken: number;
  /** Epoch ms of LastCall (whole seconds: the end of the member's last queue call); null when none. */
  lastCall: number | null;
  /** The member's own wrap-up in seconds; null when `Wrapuptime: 0` ("the queue's"). */
  wrapUpSeconds: number | null;
}

/** What a live event or a list item tells about one extension. */
export type Fact =
  | { kind: "contact"; endpoint: string; contact: Partial<Contact> & Pick<Contact, "id" | "uri" | "aor" | "status"> }
  | { kind: "contactRemoved"; endpoint: string; contactId: string; uri: string }
  | { kind: "deviceState"; endpoint: string; state: DeviceState; source: "device" | "hint" }
  | { kind: "peerStatus"; endpoint: string; reachable: boolean }
  | { kind: "endpoint"; endpoint: string; aor: string | null; deviceState: DeviceState | null; activeChannels: number | null }
  | { kind: "presence"; endpoint: string; presence: PresenceReport }
  /** The DND toggle device (FreePBX: `Custom:DND<ext>`): BUSY = on. */
  | { kind: "dnd"; endpoint: string; on: boolean }
  /** A member was added or changed (QueueMemberAdded/Status/Pause/Ringinuse). */
  | { kind: "queueMember"; endpoint: string; member: QueueMember }
  | { kind: "queueMemberRemoved"; endpoint: string; queue: string }
  /**
   * AgentComplete: the member's queue call just ended. app_queue sets LastCall (whole seconds) and
   * CallsTaken in the same step but reports them only in the QueueMemberStatus that follows the
   * phone's DeviceStateChange NOT_INUSE; this starts the wrap-up before the phone looks free.
   */
  | { kind: "queueCallEnded"; endpoint: string; queue: string }
  /** app_queue's `Queue:<q>_pause_<interface>` device: the pause without its reason (also sent without read class agent). */
  | { kind: "queuePause"; endpoint: string; queue: string; paused: boolean };

/** Everything Asterisk reports at one moment: the result of a resync. */
export interface AsteriskSnapshot {
  endpoints: Array<{ endpoint: string; aor: string | null; deviceState: DeviceState | null }>;
  contacts: Array<{ endpoint: string; contact: Contact }>;
  /** DeviceStateList, keyed by endpoint (PJSIP/<endpoint>). */
  deviceStates: Map<string, DeviceState>;
  /** DND toggles from DeviceStateList, keyed by extension; null when DeviceStateList was refused. */
  dnd: Map<string, boolean> | null;
  /** PresenceStateList, keyed by extension; null when it could not be read (keep what we know). */
  presence: Map<string, PresenceReport> | null;
  /** QueueStatus members; null when it could not be read (keep what we know). */
  queueMembers: Array<{ endpoint: string; member: QueueMember }> | null;
}

/** Why an agent cannot take a call now (empty when available). The README's table lists them. */
export const UNAVAILABLE_REASONS = [
  "OFFLINE",
  "UNREACHABLE",
  "RINGING",
  "ON_CALL",
  "BUSY",
  "ON_HOLD",
  "DND",
  "AWAY",
  "EXTENDED_AWAY",
  "PRESENCE_UNAVAILABLE",
  "PAUSED",
  "WRAP_UP",
  "NOT_IN_QUEUE",
  "STALE",
] as const;
export type UnavailableReason = (typeof UNAVAILABLE_REASONS)[number];

/** A queue membership as served: Asterisk's facts plus the wrap-up window this service computes. */
export interface QueueMembership extends QueueMember {
  /** Epoch ms when the wrap-up after the last queue call ends; null when none applies. */
  wrapUpUntil: number | null;
}

/** The derived, served view of one extension. */
export interface AgentState {
  extension: string;
  /** The PBX (its configured name) this extension is on. */
  pbx: string;
  status: AgentStatus;
  online: boolean;
  /** Can take a call now: no reason says otherwise (phone, DND, presence, queues, wrap-up, staleness). */
  available: boolean;
  stale: boolean;
  /** Why not available; empty when available. */
  reasons: UnavailableReason[];
  /** DND on: the DND device is BUSY or the presence is `dnd`. */
  dnd: boolean;
  presence: Presence | null;
  queues: QueueMembership[];
  deviceState: DeviceState | null;
  contacts: Contact[];
  /** Epoch ms of the last time a contact of this extension was seen reachable. */
  lastSeen: number | null;
  /** Epoch ms of the last change of anything in this record. */
  updatedAt: number;
}
