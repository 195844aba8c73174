// Readers for the agent layers: presence (PresenceStateChange), DND (a device named by a pattern,
// FreePBX's `Custom:DND<ext>` by default) and app_queue's members (QueueMember* events, QueueStatus
// items). Pure, never throw; only the headers named here are read.
import { PRESENCE_STATES, type PresenceReport, type PresenceState, type QueueMember } from "../domain/types.ts";
import type { AmiRawMessage } from "./ami-messages.ts";
import { FieldReader, LIMITS } from "./field-reader.ts";
import type { Outcome } from "./normalize.ts";

/** Which device and presence names belong to an extension: `{ext}` marks the extension. */
export interface AgentNaming {
  /** DND toggle device, e.g. `Custom:DND{ext}` (FreePBX). */
  dndDevice: string;
  /** Presence provider, e.g. `CustomPresence:{ext}`. */
  presenceProvider: string;
}

export const FREEPBX_NAMING: AgentNaming = { dndDevice: "Custom:DND{ext}", presenceProvider: "CustomPresence:{ext}" };

/** `Custom:DND{ext}` → a matcher returning the extension of a name, or null. Case-insensitive like Asterisk's device names. */
export function namePattern(template: string): (name: string) => string | null {
  const [before, after] = template.split("{ext}") as [string, string];
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escape(before)}([^\\s/,&]+)${escape(after ?? "")}$`, "i");
  return (name) => pattern.exec(name)?.[1] ?? null;
}

/** The name of an extension's device or provider, for actions we send (`Custom:DND1000`). */
export function nameOf(template: string, extension: string): string {
  return template.replace("{ext}", extension);
}

export interface PresenceItem {
  endpoint: string;
  presence: PresenceReport;
}

/** `PresenceStateChange`, live or as a PresenceStateList item. Other providers than ours are ignored. */
export function presenceStateChange(message: AmiRawMessage, providerOf: (name: string) => string | null): Outcome<PresenceItem> {
  const read = new FieldReader(message);
  const presentity = read.required("presentity", LIMITS.name + 32);
  const word = read.required("status", 32);
  if (read.failed) return { kind: "malformed", reason: `PresenceStateChange: ${read.failed}` };
  const endpoint = providerOf(presentity);
  if (endpoint === null || !isName(endpoint)) return { kind: "ignored", reason: "PresenceStateChange of another provider" };
  const state = word.toLowerCase();
  if (!(PRESENCE_STATES as readonly string[]).includes(state)) return { kind: "malformed", reason: `PresenceStateChange: unknown Status ${short(word)}` };
  const presence: PresenceReport = { state: state as PresenceState, subtype: read.optional("subtype"), message: read.optional("message") };
  return { kind: "ok", value: { endpoint, presence }, notes: read.notes };
}

export interface QueueMemberItem {
  endpoint: string;
  member: QueueMember;
}

/**
 * QueueMemberAdded / QueueMemberStatus / QueueMemberPause / QueueMemberRinginuse / QueueMemberRemoved
 * (`MemberName`, `Interface`) and QueueStatus's `QueueMember` items (`Name`, `Location`).
 */
export function queueMember(message: AmiRawMessage, listItem: boolean): Outcome<QueueMemberItem> {
  const read = new FieldReader(message);
  const what = listItem ? "QueueMember" : "QueueMember event";
  const queue = read.required("queue");
  const iface = read.required(listItem ? "location" : "interface", LIMITS.name + 64);
  if (read.failed) return { kind: "malformed", reason: `${what}: ${read.failed}` };
  if (!isName(queue)) return { kind: "malformed", reason: `${what}: Queue has control characters` };
  const endpoint = memberExtension(iface, read.optional("stateinterface", LIMITS.name + 64));
  if (endpoint === null) return { kind: "ignored", reason: `${what}: interface ${short(iface)} names no extension` };
  const seconds = (key: string) => {
    const value = read.optionalInt(key, 0, 1e11);
    return value === null || value === 0 ? null : value * 1000;
  };
  const wrapUp = read.optionalInt("wrapuptime", 0, 1e6);
  const member: QueueMember = {
    queue,
    name: read.optional(listItem ? "name" : "membername", LIMITS.name),
    interface: iface,
    paused: read.optional("paused", 8) === "1",
    pausedReason: read.optional("pausedreason", LIMITS.text),
    pausedSince: seconds("lastpause"),
    inCall: read.optional("incall", 8) === "1",
    callsTaken: read.optionalInt("callstaken", 0, 1e9) ?? 0,
    lastCall: seconds("lastcall"),
    wrapUpSeconds: wrapUp === null || wrapUp === 0 ? null : wrapUp,
  };
  // Asterisk keeps the old reason on an unpause event only in some versions: an unpaused member has none.
  if (!member.paused) member.pausedReason = null;
  return { kind: "ok", value: { endpoint, member }, notes: read.notes };
}

export interface QueueCallEndItem {
  endpoint: string;
  queue: string;
}

/** `AgentComplete` (read class agent): the member's queue call ended (hang-up by either side, or a transfer). */
export function agentComplete(message: AmiRawMessage): Outcome<QueueCallEndItem> {
  const read = new FieldReader(message);
  const queue = read.required("queue");
  const iface = read.required("interface", LIMITS.name + 64);
  if (read.failed) return { kind: "malformed", reason: `AgentComplete: ${read.failed}` };
  if (!isName(queue)) return { kind: "malformed", reason: "AgentComplete: Queue has control characters" };
  const endpoint = memberExtension(iface, null);
  if (endpoint === null) return { kind: "ignored", reason: `AgentComplete: interface ${short(iface)} names no extension` };
  return { kind: "ok", value: { endpoint, queue }, notes: read.notes };
}

/**
 * The extension a queue member stands for: `PJSIP/1000`; FreePBX's `Local/1000@from-queue/n` with
 * `StateInterface: hint:1000@ext-local` or `PJSIP/1000`. Anything else → null.
 */
export function memberExtension(iface: string, stateInterface: string | null): string | null {
  for (const candidate of [iface, stateInterface]) {
    if (!candidate) continue;
    const match = /^(?:pjsip\/([^/@&,\s]+)$|local\/([^@/\s]+)@|hint:([^@\s]+)@)/i.exec(candidate);
    const extension = match?.[1] ?? match?.[2] ?? match?.[3];
    if (extension && isName(extension)) return extension;
  }
  return null;
}

/** app_queue's `Queue:<queue>_pause_<interface>` device (INUSE = paused). */
export function queuePauseDevice(device: string): { queue: string; interface: string } | null {
  const match = /^Queue:(.+?)_pause_(.+)$/.exec(device);
  return match ? { queue: match[1]!, interface: match[2]! } : null;
}

function isName(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return value !== "" && value.length <= LIMITS.name && !/[\x00-\x1f\x7f]/.test(value);
}

function short(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
