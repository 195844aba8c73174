// The exact responses Asterisk 22 gives to the session-level actions (see ../shared/ami-captures:
// login-failure, not-logged-in, action-errors, actions-show, restart, shutdown).
import { formatMessage, type Headers } from "./ami-framing.ts";

/** `Response: <kind>`, then `ActionID` when the action had one (Asterisk omits an empty one), then the rest. */
export function response(kind: "Success" | "Error" | "Goodbye", actionId: string, headers: Headers = []): string {
  return formatMessage(actionId === "" ? [["Response", kind], ...headers] : [["Response", kind], ["ActionID", actionId], ...headers]);
}

export function errorResponse(actionId: string, message: string): string {
  return response("Error", actionId, [["Message", message]]);
}

export const authAccepted = (actionId: string): string => response("Success", actionId, [["Message", "Authentication accepted"]]);
export const alreadyAuthenticated = (actionId: string): string => response("Success", actionId, [["Message", "Already authenticated"]]);
export const authFailed = (actionId: string): string => errorResponse(actionId, "Authentication failed");
export const permissionDenied = (actionId: string): string => errorResponse(actionId, "Permission denied");
export const missingAction = (actionId: string): string => errorResponse(actionId, "Missing action in request");
export const goodbye = (actionId: string): string => response("Goodbye", actionId, [["Message", "Thanks for all the fish."]]);

export function unknownCommand(actionId: string, action: string): string {
  return errorResponse(actionId, `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`);
}

/** Ping: `Ping: Pong` and the server time as `seconds.microseconds`. */
export function pong(actionId: string, nowMs: number): string {
  return response("Success", actionId, [["Ping", "Pong"], ["Timestamp", (nowMs / 1000).toFixed(6)]]);
}

export function eventsAck(actionId: string, on: boolean): string {
  return response("Success", actionId, [["Events", on ? "On" : "Off"]]);
}

export function challengeResponse(actionId: string, challenge: string): string {
  return response("Success", actionId, [["Challenge", challenge]]);
}

/** Sent right after a successful login when the session may see `system` events. */
export function fullyBootedEvent(uptimeSeconds: number, lastReloadSeconds = uptimeSeconds): string {
  return formatMessage([
    ["Event", "FullyBooted"],
    ["Privilege", "system,all"],
    ["Uptime", uptimeSeconds],
    ["LastReload", lastReloadSeconds],
    ["Status", "Fully Booted"],
  ]);
}

/** `core restart now` (restart) or `core stop now`: the socket closes 10-120 ms later. */
export function shutdownEvent(restart: boolean): string {
  return formatMessage([["Event", "Shutdown"], ["Privilege", "system,all"], ["Shutdown", "Cleanly"], ["Restart", restart ? "True" : "False"]]);
}

/** First message of a list answer. */
export function listStart(actionId: string, message: string): string {
  return response("Success", actionId, [["EventList", "start"], ["Message", message]]);
}

/** Last message of a list answer: `<Name>Complete` with the item count. */
export function listComplete(event: string, actionId: string, count: number): string {
  return formatMessage([["Event", event], ...withActionId(actionId), ["EventList", "Complete"], ["ListItems", count]]);
}

/** An item of a list answer: `Event`, then the ActionID of the request (no Privilege line). */
export function listItem(event: string, actionId: string, headers: Headers): string {
  return formatMessage([["Event", event], ...withActionId(actionId), ...headers]);
}

function withActionId(actionId: string): Headers {
  return actionId === "" ? [] : [["ActionID", actionId]];
}
