// Asterisk's own spellings of device and extension states, as Asterisk 22 writes them on AMI.
// Kept here (not borrowed from src/domain) on purpose: the simulator plays Asterisk, so its tables
// must come from Asterisk (main/devicestate.c, main/pbx.c) and the captures, not from our reading of them.

/** Device states in the UPPER form of DeviceStateChange / DeviceStateList. */
export type AsteriskDeviceState =
  | "UNKNOWN"
  | "NOT_INUSE"
  | "INUSE"
  | "BUSY"
  | "INVALID"
  | "UNAVAILABLE"
  | "RINGING"
  | "RINGINUSE"
  | "ONHOLD";

/** `DeviceState` of EndpointList and the CLI's `pjsip show endpoints` (ast_devstate_str). */
export const DEVICE_STATE_WORDS: Readonly<Record<AsteriskDeviceState, string>> = {
  UNKNOWN: "Unknown",
  NOT_INUSE: "Not in use",
  INUSE: "In use",
  BUSY: "Busy",
  INVALID: "Invalid",
  UNAVAILABLE: "Unavailable",
  RINGING: "Ringing",
  RINGINUSE: "Ring+Inuse",
  ONHOLD: "On Hold",
};

export interface ExtensionState {
  status: number;
  text: string;
}

/** A hint's `Status`/`StatusText` for a single-device hint (ast_devstate_to_extenstate, ast_extension_state2str). */
export const EXTENSION_STATE: Readonly<Record<AsteriskDeviceState, ExtensionState>> = {
  UNKNOWN: { status: 0, text: "Idle" },
  NOT_INUSE: { status: 0, text: "Idle" },
  INUSE: { status: 1, text: "InUse" },
  BUSY: { status: 2, text: "Busy" },
  INVALID: { status: 4, text: "Unavailable" },
  UNAVAILABLE: { status: 4, text: "Unavailable" },
  RINGING: { status: 8, text: "Ringing" },
  RINGINUSE: { status: 9, text: "InUse&Ringing" },
  ONHOLD: { status: 16, text: "Hold" },
};

/** `enum ast_device_state` numbers: app_queue's `Status:` of QueueMember* (1 NOT_INUSE, 2 INUSE, 6 RINGING, ...). */
export const DEVICE_STATE_NUMBER: Readonly<Record<AsteriskDeviceState, number>> = {
  UNKNOWN: 0,
  NOT_INUSE: 1,
  INUSE: 2,
  BUSY: 3,
  INVALID: 4,
  UNAVAILABLE: 5,
  RINGING: 6,
  RINGINUSE: 7,
  ONHOLD: 8,
};

/** Rank of a device state in a hint's aggregate (asterisk-lab README, "DND and presence"). */
const AGGREGATE_RANK: Readonly<Record<AsteriskDeviceState, number>> = {
  UNKNOWN: 0,
  INVALID: 1,
  UNAVAILABLE: 1,
  NOT_INUSE: 2,
  ONHOLD: 3,
  RINGING: 4,
  INUSE: 5,
  RINGINUSE: 6,
  BUSY: 7,
};

/** A hint's device state from the states of its devices (`PJSIP/N&Custom:DNDN`): the highest rank
 * wins, and RINGING together with INUSE, BUSY or ONHOLD is RINGINUSE. So DND BUSY freezes the hint
 * at Busy, and DND NOT_INUSE outranks an unregistered phone's UNAVAILABLE (reads Idle). */
export function aggregateDeviceStates(states: readonly AsteriskDeviceState[]): AsteriskDeviceState {
  let best: AsteriskDeviceState = "UNKNOWN";
  for (const state of states) if (AGGREGATE_RANK[state] > AGGREGATE_RANK[best]) best = state;
  const ringing = states.includes("RINGING") || states.includes("RINGINUSE");
  const busy = states.some((s) => s === "INUSE" || s === "BUSY" || s === "ONHOLD" || s === "RINGINUSE");
  return ringing && busy ? "RINGINUSE" : best;
}
