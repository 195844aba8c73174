// A bare AMI client on a raw socket, for tests that check the exact bytes a server sends.
//
//   const client = await AmiRawClient.connect(port);
//   client.send("Action: Login\r\nActionID: l\r\nUsername: crm\r\nSecret: crmsecret\r\n\r\n");
//   const accepted = await client.next((m) => m.raw.actionid === "l");
//   client.frames / client.bytes()        // everything received so far
//   await client.closed                    // resolves when the server closed the connection
//   client.keepOnlyCount()                 // from now on only count messages (load tests)
import net from "node:net";
import { parseFrame, splitFrames, type AmiFrame, type AmiRaw } from "./ami-frames.ts";

export interface ReceivedMessage {
  frame: AmiFrame;
  raw: AmiRaw;
  at: number;
}

export class AmiRawClient {
  private received = "";
  /** Length of `received` already cut into frames. */
  private parsed = 0;
  private consumed = 0;
  readonly messages: ReceivedMessage[] = [];
  readonly frames: AmiFrame[] = [];
  readonly closed: Promise<void>;
  closedAt: number | null = null;
  private waiters: Array<() => void> = [];
  private counting = false;
  /** Messages received so far, kept or only counted. */
  messageCount = 0;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => this.onData(text));
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.closedAt = Date.now();
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = "127.0.0.1"): Promise<AmiRawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once("connect", () => resolve(new AmiRawClient(socket)));
      socket.once("error", reject);
    });
  }

  /** Stop keeping bytes and parsed messages, only count them: for floods of 10^5 messages. */
  keepOnlyCount(): void {
    this.counting = true;
  }

  /** Every byte received so far (latin1). */
  bytes(): string {
    return this.received;
  }

  send(text: string): void {
    this.socket.write(text, "latin1");
  }

  /** Sends an action from headers, CRLF-framed. */
  action(headers: Record<string, string>): void {
    this.send(Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n");
  }

  async login(options: { secret?: string; events?: string; actionId?: string } = {}): Promise<ReceivedMessage> {
    const actionId = options.actionId ?? "login-0";
    this.action({ Action: "Login", ActionID: actionId, Username: "crm", Secret: options.secret ?? "crmsecret", ...(options.events ? { Events: options.events } : {}) });
    return this.next((m) => m.raw.actionid === actionId && m.raw.response !== undefined);
  }

  /** The first message (not yet returned by `next`) matching, waiting up to timeoutMs. */
  async next(match: (message: ReceivedMessage) => boolean, timeoutMs = 3_000): Promise<ReceivedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.consumed; i < this.messages.length; i += 1) {
        const message = this.messages[i] as ReceivedMessage;
        if (match(message)) {
          this.consumed = i + 1;
          return message;
        }
      }
      if (this.closedAt !== null) throw new Error("connection closed before the expected message");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for a message`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Messages of a list answer: from the response with this ActionID up to its `…Complete` event (or the error). */
  async list(actionId: string, timeoutMs = 5_000): Promise<ReceivedMessage[]> {
    const first = await this.next((m) => m.raw.actionid === actionId, timeoutMs);
    const items = [first];
    if (first.raw.response === "Error") return items;
    for (;;) {
      const item = await this.next((m) => m.raw.actionid === actionId, timeoutMs);
      items.push(item);
      if (item.raw.eventlist === "Complete") return items;
    }
  }

  /** Live events (no ActionID) received so far. */
  liveEvents(): ReceivedMessage[] {
    return this.messages.filter((m) => typeof m.raw.event === "string" && m.raw.actionid === undefined);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(text: string): void {
    if (this.counting) {
      this.countFrames(text);
      return;
    }
    this.received += text;
    const at = Date.now();
    for (const frame of splitFrames(this.received.slice(this.parsed))) {
      this.parsed += frame.text.length + (frame.kind === "banner" ? 2 : 4);
      this.frames.push(frame);
      if (frame.kind === "message") {
        this.messages.push({ frame, raw: parseFrame(frame.text), at });
        this.messageCount += 1;
      }
    }
    this.wake();
  }

  /** Counts message terminators, carrying a partial one over to the next chunk. */
  private countFrames(text: string): void {
    const joined = this.received.slice(this.parsed) + text;
    let from = 0;
    for (let end = joined.indexOf("\r\n\r\n"); end >= 0; end = joined.indexOf("\r\n\r\n", from)) {
      this.messageCount += 1;
      from = end + 4;
    }
    this.received = joined.slice(from);
    this.parsed = 0;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
