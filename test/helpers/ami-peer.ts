// A fake Asterisk AMI server on a real TCP port, speaking the bytes of test/fixtures/ami-captures.
// For integration tests of anything that connects to AMI (bridge, GraphQL end to end, simulators).
//
//   const peer = await AmiPeer.start({ secret: "s3cret", state: { endpoints: labEndpoints(1000, 1002),
//     contacts: [{ aor: "1000", uri: "sip:1000@127.0.0.1:15000" }] } });
//   // connect a client to peer.host / peer.port with username "crm", secret "s3cret"
//   await peer.replay(liveEventBytes("call-inuse"), { chunkSizes: ODD_CHUNKS });  // split mid-line, mid-CRLF
//   peer.state.contacts = [];          // what the next PJSIPShowContacts lists
//   await peer.shutdown({ restart: true });   // Event: Shutdown, then close
//   peer.listDelayMs = 100;            // hold list answers (a resync stays in flight)
//   peer.refuseConnections = true;     // accept and close at once (Asterisk restarting)
//   peer.freeze();                     // open sockets stop answering anything (dead peer)
//   peer.muteActions("PJSIPShowContacts");    // never answer these (action timeouts)
//   peer.dropConnections();            // RST-like close of every socket
//   await peer.close();
//
// What it answers (as Asterisk 22 does, see the captures): banner on connect; Login (accepted →
// response + FullyBooted; wrong secret → `Authentication failed` after `loginFailureDelayMs`, then
// close); anything before login → `Permission denied`; Events, Ping, Logoff; PJSIPShowContacts,
// PJSIPShowEndpoints, DeviceStateList from `state` (empty contacts/endpoints → the error response
// `No Contacts found` / `No endpoints found`); unknown actions → `Invalid/unknown command`.
// Every write can be cut into chunks of cycling sizes (`chunkSizes`), an event-loop turn apart.
//
// The protocol itself (action framing, responses, list answers) is the AMI simulator's
// (src/simulator/ami-*.ts), so the two cannot drift; what is here is the test-only control.
import net from "node:net";
import type { DeviceState } from "../../src/domain/types.ts";
import { ActionReader, BANNER, formatMessage, type AmiAction } from "../../src/simulator/ami-framing.ts";
import { contactListAnswer, deviceStateListAnswer, endpointListAnswer, type ContactListEntry } from "../../src/simulator/ami-lists.ts";
import {
  authAccepted,
  authFailed,
  eventsAck,
  fullyBootedEvent,
  goodbye,
  permissionDenied,
  pong,
  shutdownEvent,
  unknownCommand,
} from "../../src/simulator/ami-responses.ts";

/** Chunk sizes that split lines, CRLFs and the blank-line terminator at odd places. */
export const ODD_CHUNKS: readonly number[] = [1, 7, 13, 2, 5, 31, 3, 64, 1, 1, 17];

export interface PeerContact {
  aor: string;
  uri: string;
  /** Default: the AOR. */
  endpoint?: string;
  /** Default: Reachable. */
  status?: "Reachable" | "Unreachable" | "NonQualified" | "Unknown";
  /** Default: 500 when Reachable, `N/A` otherwise (as Asterisk lists them). */
  roundtripUsec?: number | "N/A";
  userAgent?: string;
  expirationTime?: number;
  qualifyFrequency?: number;
}

export interface PeerEndpoint {
  name: string;
  /** Default: the name. */
  aor?: string;
  /** Default: NOT_INUSE when a contact of its AOR is Reachable, else UNAVAILABLE. */
  deviceState?: DeviceState;
  activeChannels?: number;
}

export interface PeerState {
  endpoints: PeerEndpoint[];
  contacts: PeerContact[];
}

export interface AmiPeerOptions {
  username?: string;
  secret?: string;
  /** Asterisk sleeps 1 s before answering a failed login. */
  loginFailureDelayMs?: number;
  fullyBootedOnLogin?: boolean;
  /** Cut every write into chunks of these sizes (cycling). Default: whole writes. */
  chunkSizes?: readonly number[];
  state?: Partial<PeerState>;
}

export interface ReceivedAction {
  connection: number;
  /** Header names lower-cased, as parsed. */
  fields: Record<string, string>;
}

/** Endpoints `from`..`to` like the lab (1000..1019). */
export function labEndpoints(from: number, to: number): PeerEndpoint[] {
  const endpoints: PeerEndpoint[] = [];
  for (let n = from; n <= to; n += 1) endpoints.push({ name: String(n) });
  return endpoints;
}

class PeerConnection {
  loggedIn = false;
  frozen = false;
  private readonly reader = new ActionReader();
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
  ) {}

  /** Complete actions received so far. */
  take(data: Buffer): AmiAction[] {
    return this.reader.push(data);
  }

  write(data: string | Buffer, chunkSizes: readonly number[] | undefined): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    this.writes = this.writes.then(async () => {
      if (!chunkSizes || chunkSizes.length === 0) {
        if (!this.socket.destroyed) this.socket.write(bytes);
        return;
      }
      let offset = 0;
      for (let i = 0; offset < bytes.length; i += 1) {
        if (this.socket.destroyed) return;
        const size = Math.max(1, chunkSizes[i % chunkSizes.length] ?? 1);
        this.socket.write(bytes.subarray(offset, offset + size));
        offset += size;
        // Yield to the event loop between chunks so the reader sees them as separate reads.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    });
    return this.writes;
  }

  async end(): Promise<void> {
    await this.writes;
    this.socket.end();
  }
}

export class AmiPeer {
  readonly host = "127.0.0.1";
  username: string;
  secret: string;
  state: PeerState;
  chunkSizes: readonly number[] | undefined;
  loginFailureDelayMs: number;
  fullyBootedOnLogin: boolean;
  /** Accept and close new connections at once (Asterisk restarting). */
  refuseConnections = false;
  /** FullyBooted `Uptime` sent at login. */
  uptime = 10;
  /** Delay before answering a list action (to hold a resync in flight). */
  listDelayMs = 0;

  readonly actions: ReceivedAction[] = [];
  loginAttempts = 0;
  /** Date.now() of every Login received. */
  readonly loginTimes: number[] = [];
  logins = 0;
  connectionsAccepted = 0;

  private readonly connections = new Set<PeerConnection>();
  private readonly muted = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: net.Server,
    options: AmiPeerOptions,
  ) {
    this.username = options.username ?? "crm";
    this.secret = options.secret ?? "crmsecret";
    this.loginFailureDelayMs = options.loginFailureDelayMs ?? 1_000;
    this.fullyBootedOnLogin = options.fullyBootedOnLogin ?? true;
    this.chunkSizes = options.chunkSizes;
    this.state = { endpoints: options.state?.endpoints ?? [], contacts: options.state?.contacts ?? [] };
  }

  static async start(options: AmiPeerOptions = {}): Promise<AmiPeer> {
    const server = net.createServer();
    const peer = new AmiPeer(server, options);
    server.on("connection", (socket) => peer.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return peer;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("AMI peer is not listening");
    return address.port;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  get loggedInConnections(): number {
    return [...this.connections].filter((c) => c.loggedIn).length;
  }

  /** Actions received with this name (case-insensitive), oldest first. */
  received(action: string): ReceivedAction[] {
    return this.actions.filter((a) => a.fields.action?.toLowerCase() === action.toLowerCase());
  }

  muteActions(...names: string[]): void {
    for (const name of names) this.muted.add(name.toLowerCase());
  }

  unmuteActions(...names: string[]): void {
    for (const name of names) this.muted.delete(name.toLowerCase());
  }

  /** The connections open now stop answering anything (Ping included); new ones behave. */
  freeze(): void {
    for (const connection of this.connections) connection.frozen = true;
  }

  /** Writes these bytes to every logged-in connection, cut into chunks. */
  async replay(bytes: string | Buffer, options: { chunkSizes?: readonly number[] } = {}): Promise<void> {
    const chunkSizes = options.chunkSizes ?? this.chunkSizes;
    await Promise.all([...this.connections].filter((c) => c.loggedIn).map((c) => c.write(bytes, chunkSizes)));
  }

  /** Sends one live event (headers in the given order) to every logged-in connection. */
  sendEvent(event: string, headers: Record<string, string | number> = {}): Promise<void> {
    return this.replay(formatMessage([["Event", event], ...Object.entries(headers)]));
  }

  /** `Event: Shutdown` as Asterisk sends it, then the server closes the sockets. */
  async shutdown(options: { restart?: boolean; closeAfterMs?: number } = {}): Promise<void> {
    await this.replay(shutdownEvent(options.restart ?? true));
    await new Promise((resolve) => setTimeout(resolve, options.closeAfterMs ?? 30));
    await this.endConnections();
  }

  /** Closes every socket cleanly (FIN), after what was already queued for it. */
  async endConnections(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.end()));
  }

  /** Destroys every open socket. */
  dropConnections(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.connectionsAccepted += 1;
    socket.setNoDelay(true);
    if (this.refuseConnections) {
      socket.destroy();
      return;
    }
    const connection = new PeerConnection(this.connectionsAccepted, socket);
    this.connections.add(connection);
    socket.on("close", () => this.connections.delete(connection));
    socket.on("error", () => undefined);
    socket.on("data", (data) => {
      if (connection.frozen) return;
      let actions: AmiAction[];
      try {
        actions = connection.take(data);
      } catch {
        socket.destroy(); // an oversized action, as the simulator treats it
        return;
      }
      for (const action of actions) this.answer(connection, action);
    });
    void connection.write(BANNER, this.chunkSizes);
  }

  private answer(connection: PeerConnection, received: AmiAction): void {
    const fields: Record<string, string> = {};
    for (const [key, value] of received.headers) {
      const name = key.toLowerCase();
      fields[name] = fields[name] === undefined ? value : `${fields[name]},${value}`;
    }
    this.actions.push({ connection: connection.id, fields });
    const action = received.name.toLowerCase();
    const id = received.actionId;
    if (connection.frozen || this.muted.has(action)) return;
    const send = (message: string): void => void connection.write(message, this.chunkSizes);

    if (action === "login") {
      this.login(connection, fields, id);
      return;
    }
    if (!connection.loggedIn) {
      send(permissionDenied(id));
      return;
    }
    switch (action) {
      case "events":
        send(eventsAck(id, (fields.eventmask ?? "").toLowerCase() !== "off"));
        return;
      case "ping":
        send(pong(id, Date.now()));
        return;
      case "logoff":
        send(goodbye(id));
        void connection.end();
        return;
      case "pjsipshowcontacts":
        this.later(() => send(contactListAnswer(id, this.state.contacts.map(contactEntry))));
        return;
      case "pjsipshowendpoints":
        this.later(() => send(this.endpointList(id)));
        return;
      case "devicestatelist":
        this.later(() => send(deviceStateListAnswer(id, this.state.endpoints.map((e) => ({ device: `PJSIP/${e.name}`, state: this.deviceState(e) })))));
        return;
      default:
        send(unknownCommand(id, received.name));
    }
  }

  /** Runs now, or after `listDelayMs` (state read at answer time, as Asterisk would). */
  private later(run: () => void): void {
    if (this.listDelayMs <= 0) return run();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, this.listDelayMs);
    this.timers.add(timer);
  }

  private login(connection: PeerConnection, fields: Record<string, string>, id: string): void {
    this.loginAttempts += 1;
    this.loginTimes.push(Date.now());
    if (fields.username === this.username && fields.secret === this.secret) {
      connection.loggedIn = true;
      this.logins += 1;
      let bytes = authAccepted(id);
      if (this.fullyBootedOnLogin) bytes += fullyBootedEvent(this.uptime);
      void connection.write(bytes, this.chunkSizes);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void connection.write(authFailed(id), this.chunkSizes);
      void connection.end();
    }, this.loginFailureDelayMs);
    this.timers.add(timer);
  }

  private endpointList(id: string): string {
    return endpointListAnswer(
      id,
      this.state.endpoints.map((e) => {
        const aor = e.aor ?? e.name;
        return {
          name: e.name,
          aor,
          contacts: this.state.contacts.filter((c) => c.aor === aor).map((c) => c.uri),
          deviceState: this.deviceState(e),
          activeChannels: e.activeChannels ?? 0,
        };
      }),
    );
  }

  private deviceState(endpoint: PeerEndpoint): DeviceState {
    if (endpoint.deviceState) return endpoint.deviceState;
    const aor = endpoint.aor ?? endpoint.name;
    return this.state.contacts.some((c) => c.aor === aor && (c.status ?? "Reachable") === "Reachable") ? "NOT_INUSE" : "UNAVAILABLE";
  }
}

/** A PeerContact as PJSIPShowContacts lists it; the lab's phones are SIPp on 127.0.0.1. */
function contactEntry(c: PeerContact): ContactListEntry {
  const status = c.status ?? "Reachable";
  const port = Number(/:(\d+)$/.exec(c.uri)?.[1] ?? 5060);
  return {
    aor: c.aor,
    endpoint: c.endpoint ?? c.aor,
    uri: c.uri,
    status,
    roundtripUsec: c.roundtripUsec ?? (status === "Reachable" ? 500 : "N/A"),
    viaAddr: "127.0.0.1",
    viaPort: port,
    callId: `1-${port}@127.0.0.1`,
    userAgent: c.userAgent ?? "asterisk-lab-sipp",
    expirationTime: c.expirationTime ?? Math.floor(Date.now() / 1000) + 120,
    qualifyFrequency: c.qualifyFrequency ?? 5,
    qualifyTimeout: 3,
  };
}
