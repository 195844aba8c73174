// The actions about presence, DND and queues, answered as Asterisk 22 answers them (messages from
// main/manager.c, apps/app_queue.c, funcs/func_presencestate.c and the dnd-presence / queue-member
// captures): QueueStatus, QueueSummary, PresenceState, PresenceStateList, and the writes a CRM
// sends: QueuePause, QueueAdd, QueueRemove (write class `agent`) and Setvar on PRESENCE_STATE /
// DEVICE_STATE (write class `call`).
import type { AmiAction } from "./ami-framing.ts";
import { errorResponse, listComplete, listItem, listStart, permissionDenied, response } from "./ami-responses.ts";
import type { AsteriskDeviceState } from "./asterisk-states.ts";
import { InvalidPresenceError, parsePresenceValue, presenceHeaders, type Presence } from "./presence.ts";
import type { AddMemberOptions, QueueFailure, QueueOutcome } from "./queue-book.ts";
import { queueStatusAnswer, queueSummaryAnswer, type MemberView, type QueueEntryView, type QueueParamsView } from "./queue-events.ts";

/** What these actions need from the PBX. Writes return the outcome; the PBX sends their events. */
export interface StateActionHost {
  /** The AMI user's write classes (manager.conf `write`). */
  readonly writeClasses: ReadonlySet<string>;
  queues(queue?: string): Array<{ params: QueueParamsView; members: readonly MemberView[]; entries?: readonly QueueEntryView[] }>;
  presences(): Array<{ presentity: string; presence: Presence }>;
  presence(presentity: string): Presence;
  queueAdd(queue: string, iface: string, options: AddMemberOptions): QueueOutcome;
  queueRemove(queue: string, iface: string): QueueOutcome;
  queuePause(queue: string | undefined, iface: string, paused: boolean, reason: string): QueueOutcome;
  queueRinginuse(queue: string | undefined, iface: string, ringinuse: boolean): QueueOutcome;
  setPresence(presentity: string, presence: Presence): void;
  setCustomDevice(device: string, state: AsteriskDeviceState): void;
}

/** Write class an action needs; none listed = any logged-in user (QueueStatus, QueueSummary). */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  queuepause: ["agent"],
  queueadd: ["agent"],
  queueremove: ["agent"],
  queuememberringinuse: ["agent"],
  setvar: ["call"],
  presencestate: ["call", "reporting"],
  presencestatelist: ["call", "reporting"],
};

const HANDLED = new Set(["queuestatus", "queuesummary", "presencestate", "presencestatelist", "queuepause", "queueadd", "queueremove", "queuememberringinuse", "setvar"]);

/** The answer to one of these actions, or null when the action is not one of them. */
export function answerStateAction(action: AmiAction, host: StateActionHost): string | null {
  const name = action.name.toLowerCase();
  if (!HANDLED.has(name)) return null;
  const id = action.actionId;
  const needs = NEEDS[name];
  if (needs && !needs.some((c) => host.writeClasses.has(c) || host.writeClasses.has("all"))) return permissionDenied(id);
  switch (name) {
    case "queuestatus":
      return queueStatusAnswer(id, host.queues(action.get("queue") || undefined).map((q) => ({ ...q, members: filterMembers(q.members, action.get("member")) })));
    case "queuesummary":
      return queueSummaryAnswer(id, host.queues(action.get("queue") || undefined));
    case "presencestate":
      return presenceState(id, action.get("provider") ?? "", host);
    case "presencestatelist":
      return presenceStateList(id, host);
    case "queuepause":
      return queuePause(action, host);
    case "queueadd":
      return queueAdd(action, host);
    case "queueremove":
      return queueRemove(action, host);
    case "queuememberringinuse":
      return queueRinginuse(action, host);
    default:
      return setvar(action, host);
  }
}

function filterMembers(members: readonly MemberView[], filter: string | undefined): MemberView[] {
  return filter ? members.filter((m) => m.interface === filter || m.memberName === filter) : [...members];
}

/** `Message: Presence State`, `State`, then Subtype and the presence message twice (Message and
 * PresenceMessage) only when set. Only CustomPresence providers exist here. */
function presenceState(id: string, provider: string, host: StateActionHost): string {
  if (provider === "") return errorResponse(id, "No provider specified");
  if (!provider.toLowerCase().startsWith("custompresence:") || provider.length === "CustomPresence:".length) {
    return errorResponse(id, `Invalid provider ${provider} or provider in invalid state`);
  }
  const p = host.presence(`CustomPresence:${provider.slice("CustomPresence:".length)}`);
  const headers: Array<[string, string]> = [["Message", "Presence State"], ["State", p.state]];
  if (p.subtype !== "") headers.push(["Subtype", p.subtype]);
  if (p.message !== "") headers.push(["Message", p.message], ["PresenceMessage", p.message]);
  return response("Success", id, headers);
}

function presenceStateList(id: string, host: StateActionHost): string {
  const entries = host.presences();
  const parts = [listStart(id, "Presence State Changes will follow")];
  for (const { presentity, presence } of entries) parts.push(listItem("PresenceStateChange", id, [["Presentity", presentity], ...presenceHeaders(presence)]));
  parts.push(listComplete("PresenceStateListComplete", id, entries.length));
  return parts.join("");
}

function queuePause(action: AmiAction, host: StateActionHost): string {
  const id = action.actionId;
  const iface = action.get("interface") ?? "";
  const pausedText = action.get("paused") ?? "";
  if (iface === "" || pausedText === "") return errorResponse(id, "Need 'Interface' and 'Paused' parameters.");
  const paused = isTrue(pausedText);
  const outcome = host.queuePause(action.get("queue") || undefined, iface, paused, action.get("reason") ?? "");
  if (!outcome.ok) return errorResponse(id, "Interface not found");
  return response("Success", id, [["Message", paused ? "Interface paused successfully" : "Interface unpaused successfully"]]);
}

function queueRinginuse(action: AmiAction, host: StateActionHost): string {
  const id = action.actionId;
  const iface = action.get("interface") ?? "";
  const value = (action.get("ringinuse") ?? "").trim().toLowerCase();
  if (iface === "" || value === "") return errorResponse(id, "Need 'Interface' and 'RingInUse' parameters.");
  const on = isTrue(value);
  if (!on && !["no", "false", "n", "f", "0", "off"].includes(value)) return errorResponse(id, "'RingInUse' parameter must be a truth value (yes/no, on/off, 0/1, etc)");
  const outcome = host.queueRinginuse(action.get("queue") || undefined, iface, on);
  // Asterisk's message ends with a bare LF, like the PJSIP errors.
  return outcome.ok ? response("Success", id, [["Message", "Interface ringinuse set successfully"]]) : errorResponse(id, "Invalid interface, queuename, or ringinuse value\n");
}

function queueAdd(action: AmiAction, host: StateActionHost): string {
  const id = action.actionId;
  const queue = action.get("queue") ?? "";
  const iface = action.get("interface") ?? "";
  if (queue === "") return errorResponse(id, "'Queue' not specified.");
  if (iface === "") return errorResponse(id, "'Interface' not specified.");
  const outcome = host.queueAdd(queue, iface, {
    memberName: action.get("membername") ?? "",
    penalty: nonNegative(action.get("penalty")),
    paused: isTrue(action.get("paused") ?? ""),
    reason: action.get("reason") ?? "",
    stateInterface: action.get("stateinterface") ?? "",
    wrapuptime: nonNegative(action.get("wrapuptime")),
  });
  return outcome.ok ? response("Success", id, [["Message", "Added interface to queue"]]) : errorResponse(id, QUEUE_ADD_ERRORS[outcome.failure]);
}

function queueRemove(action: AmiAction, host: StateActionHost): string {
  const id = action.actionId;
  const queue = action.get("queue") ?? "";
  const iface = action.get("interface") ?? "";
  if (queue === "" || iface === "") return errorResponse(id, "Need 'Queue' and 'Interface' parameters.");
  const outcome = host.queueRemove(queue, iface);
  return outcome.ok ? response("Success", id, [["Message", "Removed interface from queue"]]) : errorResponse(id, QUEUE_REMOVE_ERRORS[outcome.failure]);
}

const QUEUE_ADD_ERRORS: Readonly<Record<QueueFailure, string>> = {
  NoSuchQueue: "Unable to add interface to queue: No such queue",
  AlreadyMember: "Unable to add interface: Already there",
  NotMember: "Unable to add interface: Already there",
  InterfaceNotFound: "Unable to add interface to queue: No such queue",
};

const QUEUE_REMOVE_ERRORS: Readonly<Record<QueueFailure, string>> = {
  NoSuchQueue: "Unable to remove interface from queue: No such queue",
  NotMember: "Unable to remove interface: Not there",
  AlreadyMember: "Unable to remove interface: Not there",
  InterfaceNotFound: "Unable to remove interface: Not there",
};

const DEVICE_STATE_VALUES: ReadonlySet<string> = new Set(["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"]);

/** Global Setvar: a dialplan function is written (PRESENCE_STATE and DEVICE_STATE of Custom
 * providers here), a plain variable is just set. A function that refuses: `Variable not set`. */
function setvar(action: AmiAction, host: StateActionHost): string {
  const id = action.actionId;
  const variable = action.get("variable") ?? "";
  const value = action.get("value") ?? "";
  if (variable === "") return errorResponse(id, "No variable specified");
  if ((action.get("channel") ?? "") !== "") return errorResponse(id, "No such channel");
  const fn = /^([A-Z_]+)\((.*)\)$/i.exec(variable);
  if (!fn) return response("Success", id, [["Message", "Variable Set"]]);
  const [, name = "", argument = ""] = fn;
  const notSet = errorResponse(id, "Variable not set");
  if (name.toUpperCase() === "PRESENCE_STATE") {
    if (!/^CustomPresence:.+$/i.test(argument)) return notSet;
    try {
      host.setPresence(`CustomPresence:${argument.slice("CustomPresence:".length)}`, parsePresenceValue(value));
    } catch (error) {
      if (error instanceof InvalidPresenceError) return notSet;
      throw error;
    }
  } else if (name.toUpperCase() === "DEVICE_STATE") {
    if (!/^Custom:.+$/i.test(argument)) return notSet;
    const state = value.trim().toUpperCase();
    // func_devstate takes any word; one it does not know is UNKNOWN (ast_devstate_val).
    host.setCustomDevice(`Custom:${argument.slice("Custom:".length)}`, (DEVICE_STATE_VALUES.has(state) ? state : "UNKNOWN") as AsteriskDeviceState);
  } else {
    return notSet;
  }
  return response("Success", id, [["Message", "Variable Set"]]);
}

/** Asterisk's ast_true: yes, true, y, t, 1, on. */
function isTrue(text: string): boolean {
  return ["yes", "true", "y", "t", "1", "on"].includes(text.trim().toLowerCase());
}

function nonNegative(text: string | undefined): number {
  const value = Number.parseInt(text ?? "", 10);
  return Number.isInteger(value) && value >= 0 ? value : 0;
}
