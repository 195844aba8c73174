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

/** What a live event or a list item tells about one extension. */
export type Fact =
  | { kind: "contact"; endpoint: string; contact: Partial<Contact> & Pick<Contact, "id" | "uri" | "aor" | "status"> }
  | { kind: "contactRemoved"; endpoint: string; contactId: string; uri: string }
  | { kind: "deviceState"; endpoint: string; state: DeviceState; source: "device" | "hint" }
  | { kind: "peerStatus"; endpoint: string; reachable: boolean }
  | { kind: "endpoint"; endpoint: string; aor: string | null; deviceState: DeviceState | null; activeChannels: number | null };

/** Everything Asterisk reports at one moment: the result of a resync. */
export interface AsteriskSnapshot {
  endpoints: Array<{ endpoint: string; aor: string | null; deviceState: DeviceState | null }>;
  contacts: Array<{ endpoint: string; contact: Contact }>;
  /** DeviceStateList, keyed by endpoint (PJSIP/<endpoint>). */
  deviceStates: Map<string, DeviceState>;
}

/** The derived, served view of one extension. */
export interface AgentState {
  extension: string;
  status: AgentStatus;
  online: boolean;
  /** Can take a call now: the rule says so and the data is not stale. */
  available: boolean;
  stale: boolean;
  deviceState: DeviceState | null;
  contacts: Contact[];
  /** Epoch ms of the last time a contact of this extension was seen reachable. */
  lastSeen: number | null;
  /** Epoch ms of the last change of anything in this record. */
  updatedAt: number;
}
