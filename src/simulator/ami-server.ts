// The TCP side of the simulator: accepts AMI clients, fans live events out to the sessions that
// asked for their class (each event formatted once), and plays a restarting Asterisk: Shutdown to
// everyone, connections closed, new ones accepted and closed at once until it is back.
import net from "node:net";
import type { Log } from "../domain/ports.ts";
import { shutdownEvent } from "./ami-responses.ts";
import { AmiSession, type AmiSessionHost } from "./ami-session.ts";
import { formatLiveEvent, type LiveEvent } from "./live-events.ts";

export interface AmiServerOptions {
  host: string;
  port: number;
  log: Log;
  sessionHost: AmiSessionHost;
  /** See OutputQueue: Asterisk's writetimeout (default 100 ms); 0 never drops a slow client. */
  writeTimeoutMs: number;
  maxQueuedBytes: number;
}

export interface AmiServerStats {
  /** Open client connections. */
  connections: number;
  /** Live events written, one per session that received it. */
  eventsSent: number;
  connectionsAccepted: number;
  /** Connections accepted and closed at once while Asterisk was down. */
  connectionsRefused: number;
  /** Bytes waiting in the sessions' queues now. */
  queuedBytes: number;
}

export class AmiServer {
  private readonly sessions = new Set<AmiSession>();
  private down = false;
  private nextId = 0;
  private eventsSent = 0;
  private refused = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly options: AmiServerOptions,
  ) {
    server.on("connection", (socket) => this.accept(socket));
  }

  static async listen(options: AmiServerOptions): Promise<AmiServer> {
    const server = net.createServer();
    const ami = new AmiServer(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error) => options.log.error({ err: error.message }, "AMI simulator listener error"));
    return ami;
  }

  get host(): string {
    return this.options.host;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("AMI simulator is not listening");
    return address.port;
  }

  get isDown(): boolean {
    return this.down;
  }

  stats(): AmiServerStats {
    let queuedBytes = 0;
    for (const session of this.sessions) queuedBytes += session.output.pendingBytes;
    return { connections: this.sessions.size, eventsSent: this.eventsSent, connectionsAccepted: this.nextId, connectionsRefused: this.refused, queuedBytes };
  }

  /** Each event is formatted once, then queued for every logged-in session whose mask allows its class. */
  broadcast(events: readonly LiveEvent[]): void {
    if (events.length === 0 || this.sessions.size === 0) return;
    for (const event of events) {
      let text: string | null = null;
      for (const session of this.sessions) {
        if (!session.wants(event.eventClass)) continue;
        text ??= formatLiveEvent(event);
        session.send(text);
        this.eventsSent += 1;
      }
    }
  }

  /** Resolves when every session has handed its queue to the kernel (or is gone); a client that
   * stopped reading is not waited for longer than `maxWaitMs` (it matters with the write timeout off). */
  async flushed(maxWaitMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.sessions].map((s) => s.output.idle())),
      new Promise((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** `Event: Shutdown` to the sessions that see `system`, then every connection is closed. */
  async shutdown(restart: boolean, closeAfterMs: number): Promise<void> {
    const text = shutdownEvent(restart);
    for (const session of this.sessions) if (session.wants("system")) session.send(text);
    await new Promise((resolve) => setTimeout(resolve, closeAfterMs));
    await Promise.all([...this.sessions].map((s) => s.end()));
  }

  /** While down, a connection is accepted and closed at once (seen with a restarting Asterisk). */
  setDown(down: boolean): void {
    this.down = down;
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.on("error", () => undefined);
    if (this.down) {
      this.refused += 1;
      socket.destroy();
      return;
    }
    const session: AmiSession = new AmiSession(++this.nextId, socket, this.options.sessionHost, this.options.log, {
      writeTimeoutMs: this.options.writeTimeoutMs,
      maxQueuedBytes: this.options.maxQueuedBytes,
      onGone: () => {
        this.sessions.delete(session);
        this.options.log.debug({ session: session.id }, "AMI client disconnected");
      },
    });
    this.sessions.add(session);
    this.options.log.debug({ session: session.id, remote: `${socket.remoteAddress}:${socket.remotePort}` }, "AMI client connected");
  }
}
