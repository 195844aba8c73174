// A follower has no AMI session, so the CRM's commands it receives (presence, DND, queue pause) go to the
// PBX's leader through Redis pub/sub; the leader sends them as AMI actions and answers with Asterisk's
// reply. PUBLISH says how many instances listened: none means nobody leads the PBX right now, which is
// answered at once (no waiting for a timeout). As with the change stream, Redis is the cluster's trust
// boundary; still, a leader only sends the actions AgentCommands makes (Setvar of a presence or device
// state, QueuePause), so Redis cannot become a way to send any AMI action.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { AmiNotConnectedError, AmiResponseError, AmiTimeoutError } from "../ami/ami-errors.ts";
import type { Log } from "../domain/ports.ts";
import type { SendAction } from "../service/agent-commands.ts";

export interface ActionForwardingOptions {
  url: string;
  keyPrefix: string;
  instanceId: string;
  /** A forwarded action not answered within this fails (the leader's own AMI deadline is shorter). */
  timeoutMs: number;
  log: Log;
}

type Fields = Parameters<SendAction>[0];

interface Request {
  id: string;
  replyTo: string;
  fields: Fields;
}

/** How a forwarded action failed: Asterisk said no, no answer in time, or no AMI session to send it on. */
type Failure = "refused" | "timeout" | "unavailable";

type Reply = { id: string; ok: true; message: string | null } | { id: string; ok: false; failure: Failure; error: string };

/** Setvar of a presence or device state (the DND toggle), or QueuePause: what AgentCommands sends. */
export function isForwardableAction(fields: Fields): boolean {
  const keys = Object.keys(fields).sort().join(",");
  if (fields.Action === "Setvar") return keys === "Action,Value,Variable" && /^(PRESENCE_STATE|DEVICE_STATE)\([^()\r\n]{1,200}\)$/.test(fields.Variable ?? "");
  if (fields.Action === "QueuePause") return ["Action,Interface,Paused", "Action,Interface,Paused,Queue", "Action,Interface,Paused,Reason", "Action,Interface,Paused,Queue,Reason"].includes(keys);
  return false;
}

export class ActionForwarding {
  private readonly subscriber: Redis;
  private readonly publisher: Redis;
  private readonly replyChannel: string;
  private readonly pending = new Map<string, { resolve: (reply: Reply) => void; timer: NodeJS.Timeout }>();
  /** PBX → how this instance sends its actions while it leads it. */
  private readonly served = new Map<string, SendAction>();
  /** Per PBX: actions this instance sent to its leader, and actions it sent to Asterisk for another instance. */
  private readonly counts = new Map<string, { forwarded: number; served: number }>();

  constructor(private readonly options: ActionForwardingOptions) {
    const retry = (attempt: number) => Math.min(attempt * 100, 2_000);
    this.subscriber = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: retry });
    this.publisher = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: retry });
    // Reported by the cluster's own Redis status; ioredis reconnects and resubscribes by itself.
    this.subscriber.on("error", () => undefined);
    this.publisher.on("error", () => undefined);
    this.replyChannel = `${options.keyPrefix}:actions:replies:${options.instanceId}`;
    this.subscriber.on("message", (channel: string, text: string) => this.onMessage(channel, text));
  }

  countsOf(pbx: string): { forwarded: number; served: number } {
    let counts = this.counts.get(pbx);
    if (!counts) this.counts.set(pbx, (counts = { forwarded: 0, served: 0 }));
    return counts;
  }

  async start(): Promise<void> {
    await Promise.all([this.subscriber.connect(), this.publisher.connect()]);
    await this.subscriber.subscribe(this.replyChannel);
  }

  /** While this instance leads `pbx`, forwarded actions for it are sent with `send`; returns the release. */
  async serve(pbx: string, send: SendAction): Promise<() => Promise<void>> {
    this.served.set(pbx, send);
    await this.subscriber.subscribe(this.requestChannel(pbx));
    return async () => {
      if (this.served.get(pbx) !== send) return;
      this.served.delete(pbx);
      await this.subscriber.unsubscribe(this.requestChannel(pbx)).catch(() => undefined);
    };
  }

  /** Sends `fields` through the leader of `pbx`; rejects as the local AMI client would. */
  send(pbx: string): SendAction {
    return async (fields) => {
      if (!isForwardableAction(fields)) throw new AmiNotConnectedError(`not forwarded to the leader of PBX ${pbx}: ${fields.Action} is not a command action`);
      const id = randomUUID();
      const reply = new Promise<Reply>((resolve) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          resolve({ id, ok: false, failure: "timeout", error: `no answer from the leader of PBX ${pbx} within ${this.options.timeoutMs} ms` });
        }, this.options.timeoutMs);
        this.pending.set(id, { resolve, timer });
      });
      try {
        const listeners = await this.publisher.publish(this.requestChannel(pbx), JSON.stringify({ id, replyTo: this.replyChannel, fields } satisfies Request));
        if (listeners === 0) this.settle({ id, ok: false, failure: "unavailable", error: `no instance leads PBX ${pbx} right now` });
      } catch (error) {
        this.settle({ id, ok: false, failure: "unavailable", error: `Redis unavailable: ${error instanceof Error ? error.message : String(error)}` });
      }
      this.countsOf(pbx).forwarded += 1;
      const answer = await reply;
      if (answer.ok) return { message: answer.message };
      if (answer.failure === "refused") throw new AmiResponseError(answer.error, null);
      if (answer.failure === "timeout") throw new AmiTimeoutError(answer.error);
      throw new AmiNotConnectedError(answer.error);
    };
  }

  async stop(): Promise<void> {
    for (const [id, { timer }] of this.pending) {
      clearTimeout(timer);
      this.pending.get(id)?.resolve({ id, ok: false, failure: "unavailable", error: "stopping" });
    }
    this.pending.clear();
    this.served.clear();
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }

  private requestChannel(pbx: string): string {
    return `${this.options.keyPrefix}:actions:${pbx}`;
  }

  private onMessage(channel: string, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.options.log.warn({ channel }, "forwarded action: not JSON, ignored");
      return;
    }
    if (channel === this.replyChannel) {
      this.settle(message as Reply);
      return;
    }
    const pbx = channel.slice(`${this.options.keyPrefix}:actions:`.length);
    const send = this.served.get(pbx);
    if (send) void this.answer(pbx, send, message as Request);
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply?.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    clearTimeout(waiting.timer);
    waiting.resolve(reply);
  }

  private async answer(pbx: string, send: SendAction, request: Request): Promise<void> {
    if (typeof request?.id !== "string" || typeof request.replyTo !== "string" || !request.replyTo.startsWith(`${this.options.keyPrefix}:actions:replies:`)) return;
    let reply: Reply;
    if (typeof request.fields !== "object" || request.fields === null || !isForwardableAction(request.fields)) {
      this.options.log.warn({ pbx, action: String((request.fields as { Action?: unknown } | null)?.Action ?? "") }, "forwarded action refused: not a command action");
      reply = { id: request.id, ok: false, failure: "refused", error: "not a command action" };
    } else {
      this.countsOf(pbx).served += 1;
      try {
        const response = await send(request.fields);
        reply = { id: request.id, ok: true, message: response.message };
      } catch (error) {
        const text = error instanceof AmiResponseError ? (error.response?.message ?? error.message) : error instanceof Error ? error.message : String(error);
        const failure: Failure = error instanceof AmiResponseError ? "refused" : error instanceof AmiTimeoutError ? "timeout" : "unavailable";
        reply = { id: request.id, ok: false, failure, error: text };
      }
    }
    await this.publisher.publish(request.replyTo, JSON.stringify(reply)).catch(() => undefined);
  }
}
