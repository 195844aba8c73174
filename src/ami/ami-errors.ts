// Errors the AMI client rejects with. Messages name the action and the host, never credentials.
import type { AmiResponse } from "./ami-messages.ts";

/** The action was not sent: no logged-in session right now. */
export class AmiNotConnectedError extends Error {
  override readonly name = "AmiNotConnectedError";
}

/** The session ended (loss, shutdown, stop) before the answer arrived. */
export class AmiConnectionLostError extends Error {
  override readonly name = "AmiConnectionLostError";
}

/** No (complete) answer within the deadline. */
export class AmiTimeoutError extends Error {
  override readonly name = "AmiTimeoutError";
}

/** Asterisk answered `Response: Error` (or something that is not the answer asked for). */
export class AmiResponseError extends Error {
  override readonly name = "AmiResponseError";
  constructor(
    message: string,
    readonly response: AmiResponse | null,
  ) {
    super(message);
  }
}

/** The action's headers would not make a well-formed AMI message. */
export class AmiInvalidActionError extends Error {
  override readonly name = "AmiInvalidActionError";
}
