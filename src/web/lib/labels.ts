// Words and colours of statuses and reasons: one place, so tiles, counts and filters agree.
import type { AgentStatus, UnavailableReason } from "../gql/graphql.ts";

export const STATUSES: readonly AgentStatus[] = ["AVAILABLE", "RINGING", "ON_CALL", "BUSY", "ON_HOLD", "UNREACHABLE", "OFFLINE"];

export const STATUS_LABEL: Readonly<Record<AgentStatus, string>> = {
  AVAILABLE: "Available",
  RINGING: "Ringing",
  ON_CALL: "On a call",
  BUSY: "Busy",
  ON_HOLD: "On hold",
  UNREACHABLE: "Unreachable",
  OFFLINE: "Offline",
};

export const REASON_LABEL: Readonly<Record<UnavailableReason, string>> = {
  OFFLINE: "Offline",
  UNREACHABLE: "Unreachable",
  RINGING: "Ringing",
  ON_CALL: "On a call",
  BUSY: "Busy",
  ON_HOLD: "On hold",
  DND: "Do not disturb",
  AWAY: "Away",
  EXTENDED_AWAY: "Extended away",
  PRESENCE_UNAVAILABLE: "Presence: unavailable",
  PAUSED: "Paused",
  WRAP_UP: "Wrap-up",
  NOT_IN_QUEUE: "Not in that queue",
  STALE: "Stale (AMI down)",
};

export const REFUSAL_LABEL: Readonly<Record<string, string>> = {
  UNKNOWN_EXTENSION: "Unknown extension",
  SAME_EXTENSION: "That is your own extension",
  NOT_AVAILABLE: "Not available",
  STALE: "State unknown: AMI is down",
  NOT_IN_QUEUE: "Not a member of that queue",
};
