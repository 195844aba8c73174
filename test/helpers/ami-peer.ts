// A fake Asterisk AMI server on a real TCP port, speaking the bytes of ../shared/ami-captures.
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
import { createHash } from "node:crypto";
import net from "node:net";
import { DEVICE_STATE_WORDS } from "../../src/domain/availability.ts";
import type { DeviceState } from "../../src/domain/types.ts";
import { parseFrame } from "./ami-frames.ts";

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

const STATE_WORDS = Object.fromEntries(Object.entries(DEVICE_STATE_WORDS).map(([words, state]) => [state, words])) as Record<DeviceState, string>;

class PeerConnection {
  loggedIn = false;
  frozen = false;
  private pending = "";
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
  ) {}

  /** Complete frames received so far (client actions end with CRLF CRLF). */
  take(data: Buffer): string[] {
    this.pending += data.toString("latin1");
    const frames = this.pending.split("\r\n\r\n");
    this.pending = frames.pop() ?? "";
    return frames;
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
    return this.replay(frame([["Event", event], ...Object.entries(headers)]));
  }

  /** `Event: Shutdown` as Asterisk sends it, then the server closes the sockets. */
  async shutdown(options: { restart?: boolean; closeAfterMs?: number } = {}): Promise<void> {
    await this.sendEvent("Shutdown", { Privilege: "system,all", Shutdown: "Cleanly", Restart: (options.restart ?? true) ? "True" : "False" });
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
      for (const text of connection.take(data)) this.answer(connection, text);
    });
    void connection.write("Asterisk Call Manager/11.0.0\r\n", this.chunkSizes);
  }

  private answer(connection: PeerConnection, text: string): void {
    const raw = parseFrame(text);
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) fields[key] = Array.isArray(value) ? value.join(",") : value;
    this.actions.push({ connection: connection.id, fields });
    const action = (fields.action ?? "").toLowerCase();
    const id = fields.actionid ?? "";
    if (connection.frozen || this.muted.has(action)) return;
    const send = (message: string): void => void connection.write(message, this.chunkSizes);

    if (action === "login") {
      this.login(connection, fields, id);
      return;
    }
    if (!connection.loggedIn) {
      send(response("Error", id, [["Message", "Permission denied"]]));
      return;
    }
    switch (action) {
      case "events": {
        const on = (fields.eventmask ?? "").toLowerCase() !== "off";
        send(response("Success", id, [["Events", on ? "On" : "Off"]]));
        return;
      }
      case "ping":
        send(response("Success", id, [["Ping", "Pong"], ["Timestamp", (Date.now() / 1000).toFixed(6)]]));
        return;
      case "logoff":
        send(response("Goodbye", id, [["Message", "Thanks for all the fish."]]));
        void connection.end();
        return;
      case "pjsipshowcontacts":
        this.later(() => send(this.contactList(id)));
        return;
      case "pjsipshowendpoints":
        this.later(() => send(this.endpointList(id)));
        return;
      case "devicestatelist":
        this.later(() => send(this.deviceStateList(id)));
        return;
      default:
        send(response("Error", id, [["Message", `Invalid/unknown command: ${fields.action ?? ""}. Use Action: ListCommands to show available commands.`]]));
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
      let bytes = response("Success", id, [["Message", "Authentication accepted"]]);
      if (this.fullyBootedOnLogin) {
        bytes += frame([["Event", "FullyBooted"], ["Privilege", "system,all"], ["Uptime", this.uptime], ["LastReload", this.uptime], ["Status", "Fully Booted"]]);
      }
      void connection.write(bytes, this.chunkSizes);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void connection.write(response("Error", id, [["Message", "Authentication failed"]]), this.chunkSizes);
      void connection.end();
    }, this.loginFailureDelayMs);
    this.timers.add(timer);
  }

  private contactList(id: string): string {
    const contacts = this.state.contacts;
    if (contacts.length === 0) return response("Error", id, [["Message", "No Contacts found"]]);
    let out = listStart(id, "A listing of Contacts follows, presented as ContactList events");
    for (const c of contacts) {
      const status = c.status ?? "Reachable";
      const port = Number(/:(\d+)$/.exec(c.uri)?.[1] ?? 5060);
      out += frame([
        ["Event", "ContactList"],
        ["ActionID", id],
        ["ObjectType", "contact"],
        ["ObjectName", `${c.aor};@${createHash("md5").update(c.uri).digest("hex")}`],
        ["ViaAddr", "127.0.0.1"],
        ["QualifyTimeout", "3.000000"],
        ["Qualify2xxOnly", "false"],
        ["CallId", `1-${port}@127.0.0.1`],
        ["RegServer", ""],
        ["PruneOnBoot", "no"],
        ["Path", ""],
        ["Endpoint", c.endpoint ?? c.aor],
        ["ViaPort", port],
        ["AuthenticateQualify", "no"],
        ["Uri", c.uri],
        ["QualifyFrequency", c.qualifyFrequency ?? 5],
        ["UserAgent", c.userAgent ?? "asterisk-lab-sipp"],
        ["ExpirationTime", c.expirationTime ?? Math.floor(Date.now() / 1000) + 120],
        ["OutboundProxy", ""],
        ["Status", status],
        ["RoundtripUsec", c.roundtripUsec ?? (status === "Reachable" ? 500 : "N/A")],
      ]);
    }
    return out + listComplete("ContactListComplete", id, contacts.length);
  }

  private endpointList(id: string): string {
    const endpoints = this.state.endpoints;
    if (endpoints.length === 0) return response("Error", id, [["Message", "No endpoints found"]]);
    let out = listStart(id, "A listing of Endpoints follows, presented as EndpointList events");
    for (const e of endpoints) {
      const aor = e.aor ?? e.name;
      const contacts = this.state.contacts.filter((c) => c.aor === aor).map((c) => `${aor}/${c.uri},`);
      out += frame([
        ["Event", "EndpointList"],
        ["ActionID", id],
        ["ObjectType", "endpoint"],
        ["ObjectName", e.name],
        ["Transport", "transport-udp"],
        ["Aor", aor],
        ["Auths", e.name],
        ["OutboundAuths", ""],
        ["Contacts", contacts.join("")],
        ["DeviceState", STATE_WORDS[this.deviceState(e)]],
        ["ActiveChannels", e.activeChannels ?? 0],
      ]);
    }
    return out + listComplete("EndpointListComplete", id, endpoints.length);
  }

  private deviceStateList(id: string): string {
    let out = listStart(id, "Device State Changes will follow");
    for (const e of this.state.endpoints) {
      out += frame([["Event", "DeviceStateChange"], ["ActionID", id], ["Device", `PJSIP/${e.name}`], ["State", this.deviceState(e)]]);
    }
    return out + listComplete("DeviceStateListComplete", id, this.state.endpoints.length);
  }

  private deviceState(endpoint: PeerEndpoint): DeviceState {
    if (endpoint.deviceState) return endpoint.deviceState;
    const aor = endpoint.aor ?? endpoint.name;
    return this.state.contacts.some((c) => c.aor === aor && (c.status ?? "Reachable") === "Reachable") ? "NOT_INUSE" : "UNAVAILABLE";
  }
}

function frame(headers: ReadonlyArray<readonly [string, string | number]>): string {
  return headers.map(([key, value]) => `${key}: ${value}\r\n`).join("") + "\r\n";
}

function response(kind: string, id: string, headers: ReadonlyArray<readonly [string, string | number]>): string {
  return frame([["Response", kind], ["ActionID", id], ...headers]);
}

function listStart(id: string, message: string): string {
  return response("Success", id, [["EventList", "start"], ["Message", message]]);
}

function listComplete(event: string, id: string, count: number): string {
  return frame([["Event", event], ["ActionID", id], ["EventList", "Complete"], ["ListItems", count]]);
}
