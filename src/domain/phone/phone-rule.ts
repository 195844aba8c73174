// The phone layer of the availability rule: contacts and device state → the phone's status.
// The README repeats these tables; change both together.
import type { AgentStatus, Contact, ContactStatus, DeviceState, UnavailableReason } from "../types.ts";

/** Does a contact count as reachable? NonQualified only counts when qualify is off (or unknown):
 * with qualify on, Asterisk itself treats a not-yet-qualified contact as unavailable (e.g. right after a restart). */
export function contactIsReachable(contact: Pick<Contact, "status" | "qualifyFrequency">): boolean {
  const rule: Record<ContactStatus, boolean> = {
    Reachable: true,
    NonQualified: !contact.qualifyFrequency,
    Unreachable: false,
    Unknown: false,
  };
  return rule[contact.status];
}

/** Device state of a reachable extension → status. Device states that say nothing about a call
 * (UNKNOWN, UNAVAILABLE, INVALID) leave reachability to the contacts, which avoids the 1-2 ms
 * Unavailable flap Asterisk emits when a contact is replaced. */
export const DEVICE_STATE_STATUS: Readonly<Record<DeviceState, AgentStatus>> = {
  NOT_INUSE: "AVAILABLE",
  UNKNOWN: "AVAILABLE",
  UNAVAILABLE: "AVAILABLE",
  INVALID: "AVAILABLE",
  RINGING: "RINGING",
  RINGINUSE: "RINGING",
  INUSE: "ON_CALL",
  BUSY: "BUSY",
  ONHOLD: "ON_HOLD",
};

/** What each status means for the dashboard and the transfer dialog. */
export const STATUS_FLAGS: Readonly<Record<AgentStatus, { online: boolean; available: boolean }>> = {
  AVAILABLE: { online: true, available: true },
  RINGING: { online: true, available: false },
  ON_CALL: { online: true, available: false },
  BUSY: { online: true, available: false },
  ON_HOLD: { online: true, available: false },
  UNREACHABLE: { online: false, available: false },
  OFFLINE: { online: false, available: false },
};

/** The reason each phone status gives for "cannot take a call" (none when AVAILABLE). */
export const PHONE_REASON: Readonly<Record<AgentStatus, UnavailableReason | null>> = {
  AVAILABLE: null,
  RINGING: "RINGING",
  ON_CALL: "ON_CALL",
  BUSY: "BUSY",
  ON_HOLD: "ON_HOLD",
  UNREACHABLE: "UNREACHABLE",
  OFFLINE: "OFFLINE",
};

export interface Availability {
  status: AgentStatus;
  online: boolean;
  available: boolean;
}

/** The phone layer alone (with staleness): the status and what it allows. */
export function derivePhone(
  contacts: ReadonlyArray<Pick<Contact, "status" | "qualifyFrequency">>,
  deviceState: DeviceState | null,
  stale = false,
): Availability {
  let status: AgentStatus;
  if (contacts.length === 0) status = "OFFLINE";
  else if (!contacts.some(contactIsReachable)) status = "UNREACHABLE";
  else status = DEVICE_STATE_STATUS[deviceState ?? "UNKNOWN"];
  const flags = STATUS_FLAGS[status];
  // Stale data is shown as last known, but never offered for a transfer.
  return { status, online: flags.online, available: flags.available && !stale };
}

/** `DeviceState` in EndpointList is spelled in words ("Not in use"); DeviceStateChange uses NOT_INUSE. */
export const DEVICE_STATE_WORDS: Readonly<Record<string, DeviceState>> = {
  "Unknown": "UNKNOWN",
  "Not in use": "NOT_INUSE",
  "In use": "INUSE",
  "Busy": "BUSY",
  "Invalid": "INVALID",
  "Unavailable": "UNAVAILABLE",
  "Ringing": "RINGING",
  "Ring+Inuse": "RINGINUSE",
  "On Hold": "ONHOLD",
};

/** ExtensionStatus `Status` codes (a hint's aggregate) mapped to the device state they mean. */
export const EXTENSION_STATUS_DEVICE_STATE: Readonly<Record<number, DeviceState>> = {
  0: "NOT_INUSE",
  1: "INUSE",
  2: "BUSY",
  4: "UNAVAILABLE",
  8: "RINGING",
  9: "RINGINUSE",
  16: "ONHOLD",
  17: "ONHOLD",
};

/** The phone layer's original name (DESIGN.md's table). */
export const deriveAvailability = derivePhone;
