// Presence as func_presencestate keeps it (`CustomPresence:<name>`) and as AMI reports it: the
// PresenceStateChange of the provider, and the PresenceStatus of every hint that shows it.
import type { LiveEvent } from "./live-events.ts";

/** What Asterisk 22 accepts, written lower case on AMI (the CLI takes any case). */
export const PRESENCE_STATES = ["not_set", "unavailable", "available", "away", "xa", "chat", "dnd"] as const;
export type PresenceStateName = (typeof PRESENCE_STATES)[number];

export interface Presence {
  readonly state: PresenceStateName;
  readonly subtype: string;
  readonly message: string;
}

export const NOT_SET: Presence = { state: "not_set", subtype: "", message: "" };

export class InvalidPresenceError extends Error {
  constructor(value: string) {
    super(`invalid presence state "${value}" (one of ${PRESENCE_STATES.join(", ")})`);
    this.name = "InvalidPresenceError";
  }
}

export function presence(state: string, subtype = "", message = ""): Presence {
  const word = state.trim().toLowerCase();
  if (!(PRESENCE_STATES as readonly string[]).includes(word)) throw new InvalidPresenceError(state);
  return { state: word as PresenceStateName, subtype, message };
}

/** The value written to `PRESENCE_STATE(CustomPresence:N)`: `state[,subtype[,message[,options]]]`. */
export function parsePresenceValue(value: string): Presence {
  const [state = "", subtype = "", message = ""] = value.split(",");
  return presence(state, subtype, message);
}

export function samePresence(a: Presence, b: Presence): boolean {
  return a.state === b.state && a.subtype === b.subtype && a.message === b.message;
}

export function presenceStateChangeEvent(presentity: string, p: Presence): LiveEvent {
  return { name: "PresenceStateChange", eventClass: "call", headers: [["Presentity", presentity], ...presenceHeaders(p)] };
}

export function presenceStatusEvent(hint: { exten: string; context: string; hint: string }, p: Presence): LiveEvent {
  return {
    name: "PresenceStatus",
    eventClass: "call",
    headers: [["Exten", hint.exten], ["Context", hint.context], ["Hint", hint.hint], ...presenceHeaders(p)],
  };
}

export function presenceHeaders(p: Presence): Array<[string, string]> {
  return [
    ["Status", p.state],
    ["Subtype", p.subtype],
    ["Message", p.message],
  ];
}
