// The shapes of AMI messages as this service sees them, and safe accessors for their headers.
// A raw message is what the asterisk-manager parser emits: header names trimmed and lower-cased,
// a repeated header as an array, `Variable`/`ChanVariable` headers as a name → value object.

export type AmiRawValue = string | readonly string[] | Readonly<Record<string, string>>;
export type AmiRawMessage = Readonly<Record<string, AmiRawValue | undefined>>;

/** An `Event:` message: live, or an item of a list action (then it carries our ActionID). */
export interface AmiEvent {
  readonly name: string;
  readonly actionId: string | null;
  readonly fields: AmiRawMessage;
}

/** A `Response:` message to one of our actions. */
export interface AmiResponse {
  /** `Success`, `Error`, `Goodbye`, ... as Asterisk wrote it. */
  readonly response: string;
  readonly actionId: string;
  readonly message: string | null;
  readonly fields: AmiRawMessage;
}

/** A list action's answer: every item event up to (not including) the `…Complete` event. */
export interface AmiListResult {
  readonly response: AmiResponse;
  readonly items: readonly AmiEvent[];
  /** `ListItems` of the `…Complete` event; null for an empty list answered with an error. */
  readonly reportedCount: number | null;
}

/** Headers of an action to send. `Action` is required; ActionID is always ours. */
export type AmiActionFields = { readonly Action: string } & { readonly [header: string]: string | number | boolean };

/** The header's value when it occurs exactly once as plain text; undefined otherwise. */
export function singleHeader(message: AmiRawMessage, key: string): string | undefined {
  const value = message[key];
  return typeof value === "string" ? value : undefined;
}

export function toAmiEvent(message: AmiRawMessage): AmiEvent | null {
  const name = singleHeader(message, "event");
  if (!name) return null;
  // An empty ActionID can answer no action of ours: such an event is live.
  return { name, actionId: singleHeader(message, "actionid") || null, fields: message };
}

export function toAmiResponse(message: AmiRawMessage): AmiResponse | null {
  const response = singleHeader(message, "response");
  const actionId = singleHeader(message, "actionid");
  if (!response || !actionId) return null;
  // PJSIP error messages end with a bare LF inside the value (see captures): trim it.
  const message_ = singleHeader(message, "message")?.trim() ?? null;
  return { response, actionId, message: message_, fields: message };
}

export function isErrorResponse(response: AmiResponse): boolean {
  return response.response.toLowerCase() === "error";
}

/** List actions answer an empty list with an error: "No Contacts found", "No endpoints found",
 * "No dialplan hints are available". Anything else ("Permission denied", ...) is a real error. */
export function isEmptyListMessage(message: string | null): boolean {
  return message !== null && /^No\s.+\s(found|available)\.?$/i.test(message.trim());
}
