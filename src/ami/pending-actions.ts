// Actions waiting for their answer, keyed by ActionID: a single response, or a list (response,
// item events, `…Complete`). Each has a deadline; all are rejected when the session ends
// (the socket itself never times out nor rejects).
import { AmiResponseError, AmiTimeoutError } from "./ami-errors.ts";
import {
  isEmptyListMessage,
  isErrorResponse,
  singleHeader,
  type AmiEvent,
  type AmiListResult,
  type AmiResponse,
} from "./ami-messages.ts";

interface Waiting<T> {
  action: string;
  resolve(value: T): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type Waiter =
  | ({ kind: "single" } & Waiting<AmiResponse>)
  | ({ kind: "list"; response: AmiResponse | null; items: AmiEvent[] } & Waiting<AmiListResult>);

export class PendingActions {
  private readonly waiting = new Map<string, Waiter>();

  /** `onTimeout` lets the owner forget the ActionID elsewhere (e.g. the library's listener). */
  constructor(private readonly onTimeout: (actionId: string) => void = () => {}) {}

  get size(): number {
    return this.waiting.size;
  }

  expectResponse(actionId: string, action: string, timeoutMs: number): Promise<AmiResponse> {
    return new Promise((resolve, reject) => {
      const timer = this.deadline(actionId, action, timeoutMs, "no response");
      this.waiting.set(actionId, { kind: "single", action, resolve, reject, timer });
    });
  }

  expectList(actionId: string, action: string, timeoutMs: number): Promise<AmiListResult> {
    return new Promise((resolve, reject) => {
      const timer = this.deadline(actionId, action, timeoutMs, "list not complete");
      this.waiting.set(actionId, { kind: "list", action, resolve, reject, timer, response: null, items: [] });
    });
  }

  /** Returns false when no action waits for this ActionID (late, or not ours). */
  handleResponse(response: AmiResponse): boolean {
    const waiter = this.waiting.get(response.actionId);
    if (!waiter) return false;
    switch (waiter.kind) {
      case "single":
        this.settle(response.actionId);
        if (isErrorResponse(response)) waiter.reject(responseError(waiter.action, response));
        else waiter.resolve(response);
        return true;
      case "list":
        if (isErrorResponse(response)) {
          this.settle(response.actionId);
          if (isEmptyListMessage(response.message)) waiter.resolve({ response, items: [], reportedCount: null });
          else waiter.reject(responseError(waiter.action, response));
        } else if (singleHeader(response.fields, "eventlist")?.toLowerCase() === "start") {
          waiter.response = response;
        } else {
          this.settle(response.actionId);
          waiter.reject(new AmiResponseError(`${waiter.action} did not answer with a list`, response));
        }
        return true;
      default:
        return assertNever(waiter);
    }
  }

  /** Consumes item and `…Complete` events of a waiting list. Returns false when none waits for it. */
  handleListEvent(event: AmiEvent): boolean {
    if (event.actionId === null) return false;
    const waiter = this.waiting.get(event.actionId);
    if (!waiter || waiter.kind !== "list") return false;
    if (!isListComplete(event)) {
      waiter.items.push(event);
      return true;
    }
    this.settle(event.actionId);
    const count = Number(singleHeader(event.fields, "listitems"));
    const response = waiter.response ?? { response: "Success", actionId: event.actionId, message: null, fields: {} };
    waiter.resolve({ response, items: waiter.items, reportedCount: Number.isSafeInteger(count) ? count : null });
    return true;
  }

  rejectAll(error: Error): void {
    const waiters = [...this.waiting.values()];
    for (const waiter of waiters) clearTimeout(waiter.timer);
    this.waiting.clear();
    for (const waiter of waiters) waiter.reject(error);
  }

  private deadline(actionId: string, action: string, timeoutMs: number, what: string): NodeJS.Timeout {
    return setTimeout(() => {
      const waiter = this.waiting.get(actionId);
      if (!waiter) return;
      this.waiting.delete(actionId);
      this.onTimeout(actionId);
      waiter.reject(new AmiTimeoutError(`AMI ${action} (ActionID ${actionId}): ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
  }

  private settle(actionId: string): void {
    const waiter = this.waiting.get(actionId);
    if (waiter) clearTimeout(waiter.timer);
    this.waiting.delete(actionId);
  }
}

function isListComplete(event: AmiEvent): boolean {
  const marker = singleHeader(event.fields, "eventlist");
  return marker !== undefined ? marker.toLowerCase() === "complete" : event.name.endsWith("Complete");
}

function responseError(action: string, response: AmiResponse): AmiResponseError {
  return new AmiResponseError(`AMI ${action} failed: ${response.message ?? response.response}`, response);
}

function assertNever(value: never): never {
  throw new Error(`unhandled waiter ${JSON.stringify(value)}`);
}
