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
