// The presence / DND layer of the availability rule. The README repeats this table; change both together.
import type { PresenceState, UnavailableReason } from "../types.ts";

/** What each presence state means for taking a call. `chat` is "available, and chatty"; `not_set` says nothing. */
export const PRESENCE_REASON: Readonly<Record<PresenceState, UnavailableReason | null>> = {
  not_set: null,
  available: null,
  chat: null,
  away: "AWAY",
  xa: "EXTENDED_AWAY",
  dnd: "DND",
  unavailable: "PRESENCE_UNAVAILABLE",
};

/** DND is on when the DND toggle device is on or the presence says `dnd` (FreePBX sets both; either alone counts). */
export function dndIsOn(dndDevice: boolean, presence: PresenceState | null): boolean {
  return dndDevice || presence === "dnd";
}

/** The reasons this layer adds, DND first. */
export function presenceReasons(dnd: boolean, presence: PresenceState | null): UnavailableReason[] {
  const reasons: UnavailableReason[] = dnd ? ["DND"] : [];
  const fromPresence = presence ? PRESENCE_REASON[presence] : null;
  if (fromPresence && !reasons.includes(fromPresence)) reasons.push(fromPresence);
  return reasons;
}
