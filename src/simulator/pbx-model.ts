// The simulated PBX: N agents, each a PJSIP endpoint with an AOR of the same name (max_contacts=1),
// 0..1 contact, a hint (FreePBX's `PJSIP/N&Custom:DNDN,CustomPresence:N` or plain `PJSIP/N`), a
// device state, a DND toggle and a presence; plus app_queue's queues (queue-book.ts). Operations mutate the model and return the
// live events Asterisk 22 sends for them, in an order seen in the captures. Synchronous and free of
// I/O and timers: time and randomness are injected, scheduling is the caller's job (scenarios.ts).
//
// Like Asterisk, a state is announced only when it changes: each agent remembers what was last
// announced (PeerStatus, DeviceStateChange, ExtensionStatus) and an operation emits the parts that
// differ. That is why an expired contact that was already Unreachable produces only `Removed`.
import { contactObjectName, type ContactListEntry, type DeviceListEntry, type EndpointListEntry, type HintEntry } from "./ami-lists.ts";
import { aggregateDeviceStates, type AsteriskDeviceState } from "./asterisk-states.ts";
import {
  bridgeCreateEvent,
  bridgeDestroyEvent,
  bridgeEnterEvent,
  bridgeLeaveEvent,
  dialBeginEvent,
  dialEndEvent,
  dialStateEvent,
  hangupEvent,
  hangupRequestEvent,
  newchannelEvent,
  newConnectedLineEvent,
  newstateEvent,
  softHangupRequestEvent,
  agentName,
  connect,
  type Bridge,
  type Channel,
} from "./channel-events.ts";
import { DeviceRegistry, pushEvent } from "./device-registry.ts";
import { IndexedSet } from "./indexed-set.ts";
import {
  contactStatusEvent,
  deviceStateChangeEvent,
  extensionStatusEvent,
  peerStatusEvent,
  type ContactStatusWord,
  type LiveEvent,
} from "./live-events.ts";
import { NOT_SET, presenceStateChangeEvent, presenceStatusEvent, samePresence, type Presence } from "./presence.ts";
import { QueueBook, type QueueSettings, type SimMember, type SimQueue } from "./queue-book.ts";
import { QueueCalls } from "./queue-calls.ts";
import type { QueueEntryView } from "./queue-events.ts";
import type { Random } from "./random.ts";

export type SimContactStatus = "Reachable" | "Unreachable" | "NonQualified";

/** Where an agent stands, for the activity driver's choices. */
export type AgentBucket = "offline" | "idle" | "busy" | "silent" | "pending";
export const AGENT_BUCKETS: readonly AgentBucket[] = ["offline", "idle", "busy", "silent", "pending"];

export interface SimContact {
  readonly aor: string;
  readonly uri: string;
  readonly viaAddr: string;
  readonly viaPort: number;
  readonly callId: string;
  readonly registeredAtMs: number;
  status: SimContactStatus;
  /** Last qualify round trip; null until qualified (listed as `N/A`). */
  roundtripUsec: number | null;
  /** Unix seconds when a silent phone's contact expires (it stopped refreshing); null while it refreshes. */
  frozenExpiry: number | null;
}

export interface SimCall {
  readonly id: number;
  readonly caller: SimAgent;
  /** Null while a queue caller waits for a member. */
  callee: SimAgent | null;
  /** `waiting`: a queue caller no member has been offered yet. */
  phase: "waiting" | "ringing" | "up";
  readonly callerChannel: Channel;
  calleeChannel: Channel | null;
  readonly bridge: Bridge;
  /** Set for a call to a queue. */
  readonly queue: QueueLeg | null;
}

export interface QueueLeg {
  readonly q: SimQueue;
  member: SimMember | null;
  readonly joinedAtMs: number;
  ringStartedAtMs: number;
  answeredAtMs: number;
}

/** `freepbx`: `PJSIP/N&Custom:DNDN,CustomPresence:N` (the lab's hints since dnd-presence); `device`: `PJSIP/N` (older captures). */
export type HintLayout = "freepbx" | "device";

export interface SimAgent {
  readonly extension: string;
  readonly index: number;
  contact: SimContact | null;
  /** The phone stopped answering OPTIONS: the next qualify fails. */
  silent: boolean;
  call: SimCall | null;
  /** What Asterisk last announced for this endpoint and its hint. */
  announced: { peerReachable: boolean; device: AsteriskDeviceState; hint: AsteriskDeviceState; presence: Presence };
  bucket: AgentBucket;
}

export interface PbxModelOptions {
  agents: number;
  firstExtension: number;
  /** How many agents (the first ones) start registered and Reachable. */
  registered: number;
  random: Random;
  now: () => number;
  /** Dialplan context of the hints. */
  context?: string;
  /** AOR qualify_frequency (s), listed in ContactList. */
  qualifyFrequencyS?: number;
  /** AOR qualify_timeout (s), listed in ContactList. */
  qualifyTimeoutS?: number;
  /** REGISTER Expires (s); a phone refreshes at half of it. */
  expiresS?: number;
  userAgent?: string;
  /** Also send the channel, dial, bridge and hangup events of calls, as Asterisk does. */
  channelEvents?: boolean;
  /** Default `freepbx`. */
  hintLayout?: HintLayout;
  /** app_queue's queues (default none). */
  queues?: readonly QueueSettings[];
  /** Members each queue starts with (queue name → extensions), as persistent members loaded from astdb. */
  queueMembers?: Readonly<Record<string, readonly string[]>>;
}

type Step = LiveEvent | "peer" | "device" | "hint";

export class UnknownExtensionError extends Error {
  constructor(extension: string) {
    super(`unknown extension ${extension}`);
    this.name = "UnknownExtensionError";
  }
}

export class PbxModel {
  readonly context: string;
  readonly qualifyFrequencyS: number;
  readonly qualifyTimeoutS: number;
  readonly expiresS: number;
  private readonly userAgent: string;
  readonly hintLayout: HintLayout;
  readonly devices = new DeviceRegistry();
  readonly queues: QueueBook;
  /** Agents with DND on / with a presence other than available or not_set (the activity driver's picks). */
  readonly dndAgents = new IndexedSet<SimAgent>();
  readonly awayAgents = new IndexedSet<SimAgent>();
  /** `CustomPresence:<name>` ever set (astdb), in the order first set. */
  private readonly presences = new Map<string, Presence>();
  private readonly channelEvents: boolean;
  private readonly random: Random;
  private readonly now: () => number;
  private readonly agents: SimAgent[] = [];
  private readonly byExtension = new Map<string, SimAgent>();
  private readonly buckets = new Map<AgentBucket, IndexedSet<SimAgent>>(AGENT_BUCKETS.map((b) => [b, new IndexedSet<SimAgent>()]));
  private readonly calls = new Set<SimCall>();
  private readonly queueCalls: QueueCalls;
  private bootedAtMs: number;
  private registrations = 0;
  private channelSeq = 0;
  private callSeq = 0;
  private processedCalls = 0;

  constructor(options: PbxModelOptions) {
    this.context = options.context ?? "default";
    this.qualifyFrequencyS = options.qualifyFrequencyS ?? 5;
    this.qualifyTimeoutS = options.qualifyTimeoutS ?? 3;
    this.expiresS = options.expiresS ?? 120;
    this.userAgent = options.userAgent ?? "simulated-phone";
    this.channelEvents = options.channelEvents ?? true;
    this.hintLayout = options.hintLayout ?? "freepbx";
    this.random = options.random;
    this.now = options.now;
    this.bootedAtMs = this.now();
    this.queues = new QueueBook({
      queues: options.queues ?? [],
      devices: this.devices,
      nowSeconds: () => Math.floor(this.now() / 1000),
      deviceState: (device) => this.anyDeviceState(device),
    });
    this.queueCalls = new QueueCalls({
      channelEvents: this.channelEvents,
      queues: this.queues,
      now: () => this.now(),
      nextCallId: () => ++this.callSeq,
      bridgeId: () => this.random.uuid(),
      newChannel: (agent, state, exten, linkedid) => this.newChannel(agent, state, exten, linkedid),
      announceChange: (agent, what, out) => this.announceChange(agent, what, out),
      reindex: (agent) => this.reindex(agent),
      canCall: (agent) => this.canCall(agent),
      agentOf: (iface) => this.agentOf(iface),
      addCall: (call) => this.calls.add(call),
      hasCall: (call) => this.calls.has(call),
      endCall: (call) => this.endCall(call),
    });
    for (let index = 0; index < options.agents; index += 1) {
      const agent: SimAgent = {
        extension: String(options.firstExtension + index),
        index,
        contact: null,
        silent: false,
        call: null,
        announced: { peerReachable: false, device: "UNAVAILABLE", hint: "UNAVAILABLE", presence: NOT_SET },
        bucket: "offline",
      };
      this.agents.push(agent);
      this.byExtension.set(agent.extension, agent);
      if (index < options.registered) {
        agent.contact = this.newContact(agent, "Reachable");
        agent.announced = { peerReachable: true, device: "NOT_INUSE", hint: "NOT_INUSE", presence: NOT_SET };
      }
      this.reindex(agent, true);
    }
    for (const [queue, extensions] of Object.entries(options.queueMembers ?? {})) {
      for (const extension of extensions) {
        const outcome = this.queues.add(queue, `PJSIP/${this.agent(extension).extension}`, { memberName: agentName(this.agent(extension)) });
        if (!outcome.ok) throw new Error(`queue ${queue}, member ${extension}: ${outcome.failure}`);
      }
    }
  }

  get size(): number {
    return this.agents.length;
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  get callsProcessed(): number {
    return this.processedCalls;
  }

  get uptimeSeconds(): number {
    return Math.floor((this.now() - this.bootedAtMs) / 1000);
  }

  get bootedAt(): number {
    return this.bootedAtMs;
  }

  agent(extension: string): SimAgent {
    const agent = this.byExtension.get(extension);
    if (!agent) throw new UnknownExtensionError(extension);
    return agent;
  }

  list(): readonly SimAgent[] {
    return this.agents;
  }

  bucket(name: AgentBucket): IndexedSet<SimAgent> {
    return this.buckets.get(name) as IndexedSet<SimAgent>;
  }

  deviceState(agent: SimAgent): AsteriskDeviceState {
    if (agent.contact?.status !== "Reachable") return "UNAVAILABLE";
    if (!agent.call) return "NOT_INUSE";
    return agent.call.phase === "ringing" && agent.call.callee === agent ? "RINGING" : "INUSE";
  }

  /** The hint's aggregate: with FreePBX's layout the DND device takes part (BUSY wins; NOT_INUSE
   * outranks an unregistered phone). */
  hintState(agent: SimAgent): AsteriskDeviceState {
    const phone = this.deviceState(agent);
    return this.hintLayout === "freepbx" ? aggregateDeviceStates([phone, this.devices.get(dndDevice(agent))]) : phone;
  }

  /** Any device's state: a phone (`PJSIP/N`) or a pseudo-device. */
  anyDeviceState(device: string): AsteriskDeviceState {
    const agent = device.startsWith("PJSIP/") ? this.byExtension.get(device.slice(6)) : undefined;
    return agent ? this.deviceState(agent) : this.devices.get(device);
  }

  /** The agent behind an interface (`PJSIP/1000`), if it is one of ours. */
  agentOf(iface: string): SimAgent | undefined {
    return iface.startsWith("PJSIP/") ? this.byExtension.get(iface.slice(6)) : undefined;
  }

  dndOn(agent: SimAgent): boolean {
    return this.devices.get(dndDevice(agent)) === "BUSY";
  }

  presenceOf(presentity: string): Presence {
    return this.presences.get(presentity) ?? NOT_SET;
  }

  // ---- DND and presence (FreePBX: func_devstate + func_presencestate) ----------------------------

  /** FreePBX's DND: `Custom:DND<N>` BUSY / NOT_INUSE, then presence `dnd` / `available` (dnd-presence capture). */
  setDnd(agent: SimAgent, on: boolean): LiveEvent[] {
    return [...this.setCustomDevice(dndDevice(agent), on ? "BUSY" : "NOT_INUSE"), ...this.setPresence(presenceProvider(agent), { state: on ? "dnd" : "available", subtype: "", message: "" })];
  }

  /** `devstate change` / `DEVICE_STATE(Custom:X)=...`: the ExtensionStatus of a hint it changes, then DeviceStateChange. */
  setCustomDevice(device: string, state: AsteriskDeviceState): LiveEvent[] {
    if (!device.startsWith("Custom:")) throw new Error(`only Custom: devices can be set, not ${device}`);
    const owner = device.startsWith("Custom:DND") ? this.byExtension.get(device.slice("Custom:DND".length)) : undefined;
    const agent = this.hintLayout === "freepbx" ? owner : undefined;
    const changed = this.devices.set(device, state);
    if (owner) {
      if (state === "BUSY") this.dndAgents.add(owner);
      else this.dndAgents.delete(owner);
    }
    const events: LiveEvent[] = [];
    if (agent) this.announceChange(agent, "hint", events);
    pushEvent(events, changed);
    return events;
  }

  /** `presencestate change` / `PRESENCE_STATE(CustomPresence:X)=...`: PresenceStatus for a hint whose
   * presence changed (state, subtype or message), then PresenceStateChange, sent for every change. */
  setPresence(presentity: string, presence: Presence): LiveEvent[] {
    this.presences.set(presentity, presence);
    const events: LiveEvent[] = [];
    const agent = this.hintLayout === "freepbx" && presentity.startsWith("CustomPresence:") ? this.byExtension.get(presentity.slice("CustomPresence:".length)) : undefined;
    const owner = presentity.startsWith("CustomPresence:") ? this.byExtension.get(presentity.slice("CustomPresence:".length)) : undefined;
    if (owner) {
      if (presence.state === "available" || presence.state === "not_set" || presence.state === "dnd") this.awayAgents.delete(owner);
      else this.awayAgents.add(owner);
    }
    if (agent && !samePresence(agent.announced.presence, presence)) {
      agent.announced.presence = presence;
      events.push(presenceStatusEvent(this.hintOf(agent, this.hintState(agent)), presence));
    }
    events.push(presenceStateChangeEvent(presentity, presence));
    return events;
  }

  /** QueueStatus: the queues with their members and the callers still waiting (not yet bridged). */
  queueStatus(queueName?: string): Array<ReturnType<QueueBook["view"]>[number] & { entries: QueueEntryView[] }> {
    const now = this.now();
    return this.queues.view(queueName).map((view) => {
      const waiting = [...this.calls].filter((c) => c.queue?.q.name === view.params.name && c.phase !== "up");
      const entries = waiting.map((c, i) => ({ position: i + 1, channel: c.callerChannel, waitSeconds: Math.floor((now - (c.queue?.joinedAtMs ?? now)) / 1000) }));
      return { ...view, entries };
    });
  }

  /** PresenceStateList: every presentity ever set. */
  presenceEntries(): Array<{ presentity: string; presence: Presence }> {
    return [...this.presences].map(([presentity, presence]) => ({ presentity, presence }));
  }

  // ---- registrations and qualify -------------------------------------------------------------

  /** REGISTER. A new contact is announced NonQualified, then Reachable at once (Asterisk qualifies a
   * new contact immediately). A refresh of a known contact sends nothing; a phone that was silent is
   * alive again, and its Unreachable contact recovers (Asterisk waits for the next OPTIONS for that). */
  register(agent: SimAgent): LiveEvent[] {
    const contact = agent.contact;
    if (contact) {
      if (!agent.silent && contact.status !== "Unreachable") return [];
      return this.answerAgain(agent);
    }
    const fresh = this.newContact(agent, "Reachable");
    agent.contact = fresh;
    agent.silent = false;
    return this.announce(agent, [
      contactStatusEvent(this.contactRef(agent, fresh), "NonQualified"),
      "peer",
      "hint",
      "device",
      contactStatusEvent(this.contactRef(agent, fresh), "Reachable", fresh.roundtripUsec ?? 0),
    ]);
  }

  /** REGISTER Expires: 0 (order of the `unregister` capture). The caller hangs up a call first. */
  unregister(agent: SimAgent): LiveEvent[] {
    return this.removeContact(agent);
  }

  /** The phone stops answering: nothing is sent until the qualify fails (`qualifyFailed`). */
  silence(agent: SimAgent): void {
    if (!agent.contact || agent.silent) return;
    agent.silent = true;
    agent.contact.frozenExpiry = this.expirationTime(agent.contact);
    this.reindex(agent);
  }

  /** An OPTIONS went unanswered for qualify_timeout (order of the `qualify-timeout` capture). */
  qualifyFailed(agent: SimAgent): LiveEvent[] {
    const contact = agent.contact;
    if (!contact || !agent.silent || contact.status === "Unreachable") return [];
    contact.status = "Unreachable";
    contact.roundtripUsec = null;
    return this.announce(agent, ["peer", contactStatusEvent(this.contactRef(agent, contact), "Unreachable"), "hint", "device"]);
  }

  /** The phone answers OPTIONS again (recovery order of the `qualify-timeout` capture). */
  answerAgain(agent: SimAgent): LiveEvent[] {
    const contact = agent.contact;
    if (!contact) return [];
    agent.silent = false;
    contact.frozenExpiry = null;
    // Kept over a restart and not qualified yet: this answer is its first qualify.
    if (contact.status === "NonQualified") return this.requalify(agent);
    if (contact.status !== "Unreachable") {
      this.reindex(agent);
      return [];
    }
    contact.status = "Reachable";
    contact.roundtripUsec = this.roundtrip();
    return this.announce(agent, ["peer", "device", contactStatusEvent(this.contactRef(agent, contact), "Reachable", contact.roundtripUsec), "hint"]);
  }

  /** Unix seconds at which a silent phone's contact expires (it stopped refreshing); null otherwise. */
  expiryOf(agent: SimAgent): number | null {
    return agent.silent ? (agent.contact?.frozenExpiry ?? null) : null;
  }

  /** A silent phone's contact reached its expiry and was swept: `Removed` (the rest was already announced). */
  expire(agent: SimAgent): LiveEvent[] {
    if (!agent.contact || !agent.silent) return [];
    return this.removeContact(agent);
  }

  /** First qualify after a restart (order of the `restart` capture): no NonQualified, straight to the result. */
  requalify(agent: SimAgent): LiveEvent[] {
    const contact = agent.contact;
    if (!contact || contact.status !== "NonQualified") return [];
    if (agent.silent) {
      contact.status = "Unreachable";
      return this.announce(agent, ["peer", contactStatusEvent(this.contactRef(agent, contact), "Unreachable"), "hint", "device"]);
    }
    contact.status = "Reachable";
    contact.roundtripUsec = this.roundtrip();
    return this.announce(agent, ["hint", "device", "peer", contactStatusEvent(this.contactRef(agent, contact), "Reachable", contact.roundtripUsec)]);
  }

  /** The whole state of a Reachable agent again, changed or not (burst load, as after a restart). */
  reannounce(agent: SimAgent): LiveEvent[] {
    const contact = agent.contact;
    if (!contact || contact.status !== "Reachable") return [];
    return this.announce(agent, ["hint", "device", "peer", contactStatusEvent(this.contactRef(agent, contact), "Reachable", contact.roundtripUsec ?? this.roundtrip())], true);
  }

  // ---- calls -----------------------------------------------------------------------------------

  /** Whether `agent` can place or take a call now (registered, reachable, answering, free). */
  canCall(agent: SimAgent): boolean {
    return agent.bucket === "idle";
  }

  /** Dial from `caller` to `callee`: callee rings, caller is in use (order of the `call-inuse` capture). */
  startCall(caller: SimAgent, callee: SimAgent): { call: SimCall; events: LiveEvent[] } {
    if (caller === callee) throw new Error(`call: ${caller.extension} cannot call itself`);
    for (const agent of [caller, callee]) if (!this.canCall(agent)) throw new Error(`call: ${agent.extension} is not available (${agent.bucket})`);
    const callerChannel = this.newChannel(caller, "Ring", callee.extension, null);
    const calleeChannel = this.newChannel(callee, "Down", "s", callerChannel.linkedid);
    const call: SimCall = {
      id: ++this.callSeq,
      caller,
      callee,
      phase: "ringing",
      callerChannel,
      calleeChannel,
      bridge: { uniqueid: this.random.uuid(), technology: "simple_bridge", channels: 0 },
      queue: null,
    };
    this.calls.add(call);
    caller.call = call;
    callee.call = call;
    const events: LiveEvent[] = [];
    if (this.channelEvents) {
      events.push(newchannelEvent(callerChannel), newchannelEvent(calleeChannel));
      connect(calleeChannel, caller);
      calleeChannel.exten = callee.extension;
      events.push(newConnectedLineEvent(calleeChannel), dialBeginEvent(callerChannel, calleeChannel, callee.extension));
      connect(callerChannel, callee);
      calleeChannel.state = "Ringing";
      events.push(newConnectedLineEvent(callerChannel), newstateEvent(calleeChannel), dialStateEvent(callerChannel, calleeChannel, "RINGING"));
    }
    this.announceChange(callee, "hint", events);
    this.announceChange(caller, "hint", events);
    this.announceChange(callee, "device", events);
    this.announceChange(caller, "device", events);
    this.reindex(caller);
    this.reindex(callee);
    return { call, events };
  }

  /** The callee answers: both in use, bridged. */
  answerCall(call: SimCall): LiveEvent[] {
    const { callerChannel, calleeChannel, bridge } = call;
    if (!this.calls.has(call) || call.phase !== "ringing" || call.queue || !call.callee || !calleeChannel) return [];
    call.phase = "up";
    const events: LiveEvent[] = [];
    calleeChannel.state = "Up";
    if (this.channelEvents) events.push(newstateEvent(calleeChannel));
    this.announceChange(call.callee, "hint", events);
    if (this.channelEvents) {
      calleeChannel.exten = "";
      events.push(dialEndEvent(callerChannel, calleeChannel, "ANSWER"));
      callerChannel.state = "Up";
      events.push(newstateEvent(callerChannel));
    }
    this.announceChange(call.callee, "device", events);
    if (this.channelEvents) {
      events.push(bridgeCreateEvent(bridge));
      bridge.channels = 1;
      events.push(bridgeEnterEvent(bridge, calleeChannel));
      bridge.channels = 2;
      events.push(bridgeEnterEvent(bridge, callerChannel));
    }
    return events;
  }

  /** The caller hangs up (or, while ringing, gives up): both back to their state without the call. */
  hangupCall(call: SimCall, cause = 16): LiveEvent[] {
    if (!this.calls.has(call)) return [];
    if (call.queue) return this.queueCalls.hangup(call, call.queue, cause);
    const events = this.channelEvents ? this.hangupChannelEvents(call, cause) : [];
    this.endCall(call);
    for (const agent of parties(call)) this.announceChange(agent, "hint", events);
    for (const agent of parties(call)) this.announceChange(agent, "device", events);
    return events;
  }

  // ---- queue calls (queue-calls.ts) -----------------------------------------------------------------

  startQueueCall(caller: SimAgent, queueName: string): { call: SimCall; events: LiveEvent[] } {
    return this.queueCalls.start(caller, queueName);
  }

  offerQueueCall(call: SimCall): LiveEvent[] | null {
    return this.queueCalls.offer(call);
  }

  answerQueueCall(call: SimCall): LiveEvent[] {
    return this.queueCalls.answer(call);
  }

  /** Calls of an agent that is about to lose its phone, so the caller can hang them up first. */
  callOf(agent: SimAgent): SimCall | null {
    return agent.call;
  }

  // ---- restart -----------------------------------------------------------------------------------

  /** Asterisk stops: channels die with it (nobody is connected to hear about it). Contacts survive in
   * astdb and come back NonQualified; every endpoint and hint starts Unavailable. Returns the dropped calls. */
  restart(): SimCall[] {
    const dropped = [...this.calls];
    for (const call of dropped) this.endCall(call);
    for (const agent of this.agents) {
      if (agent.contact) {
        agent.contact.status = "NonQualified";
        agent.contact.roundtripUsec = null;
      }
      agent.announced = { peerReachable: false, device: "UNAVAILABLE", hint: this.hintState(agent), presence: agent.announced.presence };
      this.reindex(agent);
    }
    // astdb keeps custom device states, presence and persistent queue members; app_queue's own devices start over.
    this.devices.retain((device) => device.startsWith("Custom:"));
    this.queues.restart();
    return dropped;
  }

  /** The new process is up: uptime counts from now. */
  boot(): void {
    this.bootedAtMs = this.now();
  }

  // ---- what the list actions show ------------------------------------------------------------------

  /** PJSIPShowContacts: ordered by ObjectName, as Asterisk lists them. */
  contactEntries(): ContactListEntry[] {
    const entries: Array<{ key: string; entry: ContactListEntry }> = [];
    for (const agent of this.agents) {
      const c = agent.contact;
      if (!c) continue;
      entries.push({
        key: contactObjectName(c.aor, c.uri),
        entry: {
          aor: c.aor,
          endpoint: agent.extension,
          uri: c.uri,
          status: c.status,
          roundtripUsec: c.status === "Reachable" && c.roundtripUsec !== null ? c.roundtripUsec : "N/A",
          viaAddr: c.viaAddr,
          viaPort: c.viaPort,
          callId: c.callId,
          userAgent: this.userAgent,
          expirationTime: this.expirationTime(c),
          qualifyFrequency: this.qualifyFrequencyS,
          qualifyTimeout: this.qualifyTimeoutS,
        },
      });
    }
    return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((e) => e.entry);
  }

  endpointEntries(): EndpointListEntry[] {
    return this.agents.map((agent) => ({
      name: agent.extension,
      aor: agent.extension,
      contacts: agent.contact ? [agent.contact.uri] : [],
      deviceState: this.deviceState(agent),
      activeChannels: agent.call ? 1 : 0,
    }));
  }

  /** DeviceStateList in the captures' order: the first queue's `_avail`, the phones, then the other
   * pseudo-devices in the order they were first set. */
  deviceEntries(): DeviceListEntry[] {
    const [first, ...others] = this.devices.entries();
    const phones = this.agents.map((agent) => ({ device: `PJSIP/${agent.extension}`, state: this.deviceState(agent) }));
    return first ? [first, ...phones, ...others] : phones;
  }

  hintEntries(): HintEntry[] {
    return this.agents.map((agent) => this.hintOf(agent, this.hintState(agent)));
  }

  hintFor(exten: string, context: string): HintEntry | null {
    const agent = this.byExtension.get(exten);
    return agent && context === this.context ? this.hintOf(agent, this.hintState(agent)) : null;
  }

  // ---- internals ---------------------------------------------------------------------------------

  private removeContact(agent: SimAgent): LiveEvent[] {
    const contact = agent.contact;
    if (!contact) return [];
    agent.contact = null;
    agent.silent = false;
    return this.announce(agent, ["peer", "device", "hint", contactStatusEvent(this.contactRef(agent, contact), "Removed")]);
  }

  private endCall(call: SimCall): void {
    this.calls.delete(call);
    this.processedCalls += 1;
    for (const agent of parties(call)) {
      if (agent.call === call) agent.call = null;
      this.reindex(agent);
    }
  }

  private hangupChannelEvents(call: SimCall, cause: number): LiveEvent[] {
    const { callerChannel, calleeChannel, bridge } = call;
    if (!calleeChannel) return [hangupRequestEvent(callerChannel, cause), hangupEvent(callerChannel, cause)];
    if (call.phase === "ringing") {
      return [hangupRequestEvent(callerChannel, cause), dialEndEvent(callerChannel, calleeChannel, "CANCEL"), hangupEvent(calleeChannel, cause), hangupEvent(callerChannel, cause)];
    }
    bridge.technology = "native_rtp";
    const events: LiveEvent[] = [hangupRequestEvent(callerChannel, cause)];
    bridge.channels = 1;
    events.push(bridgeLeaveEvent(bridge, callerChannel), softHangupRequestEvent(callerChannel, cause));
    bridge.channels = 0;
    events.push(bridgeLeaveEvent(bridge, calleeChannel), bridgeDestroyEvent(bridge), hangupEvent(callerChannel, cause), hangupEvent(calleeChannel, cause));
    return events;
  }

  /** Runs the steps in order: prebuilt events as they are, state steps only when the state changed
   * (or always, with `force`). */
  private announce(agent: SimAgent, steps: readonly Step[], force = false): LiveEvent[] {
    const events: LiveEvent[] = [];
    for (const step of steps) {
      if (typeof step === "string") this.announceChange(agent, step, events, force);
      else events.push(step);
    }
    this.reindex(agent);
    return events;
  }

  /** Appends the event for `what` when its state differs from the last one announced (or always, with `force`).
   * A phone's device change also reaches app_queue (QueueMemberStatus, `_avail`). */
  private announceChange(agent: SimAgent, what: "peer" | "device" | "hint", out: LiveEvent[], force = false): void {
    switch (what) {
      case "peer": {
        const reachable = agent.contact?.status === "Reachable";
        if (force || reachable !== agent.announced.peerReachable) out.push(peerStatusEvent(agent.extension, reachable));
        agent.announced.peerReachable = reachable;
        return;
      }
      case "device": {
        const state = this.deviceState(agent);
        if (force || state !== agent.announced.device) out.push(deviceStateChangeEvent(`PJSIP/${agent.extension}`, state));
        if (state !== agent.announced.device && this.queues.size > 0) out.push(...this.queues.deviceChanged(`PJSIP/${agent.extension}`, state));
        agent.announced.device = state;
        return;
      }
      case "hint": {
        const state = this.hintState(agent);
        if (force || state !== agent.announced.hint) out.push(extensionStatusEvent(this.hintOf(agent, state)));
        agent.announced.hint = state;
        return;
      }
      default:
        assertNever(what);
    }
  }

  private reindex(agent: SimAgent, initial = false): void {
    const next = bucketOf(agent);
    if (!initial && next === agent.bucket) return;
    this.bucket(agent.bucket).delete(agent);
    agent.bucket = next;
    this.bucket(next).add(agent);
  }

  private hintOf(agent: SimAgent, state: AsteriskDeviceState): HintEntry {
    const hint = this.hintLayout === "freepbx" ? `PJSIP/${agent.extension}&${dndDevice(agent)},${presenceProvider(agent)}` : `PJSIP/${agent.extension}`;
    return { exten: agent.extension, context: this.context, hint, state };
  }

  private contactRef(agent: SimAgent, contact: SimContact): { aor: string; endpoint: string; uri: string } {
    return { aor: contact.aor, endpoint: agent.extension, uri: contact.uri };
  }

  /** Phones like the lab's SIPp ones: `sip:<ext>@127.0.0.1:<15000 + n>` (more than 50,000 spill to 127.0.x.1). */
  private newContact(agent: SimAgent, status: SimContactStatus): SimContact {
    const block = Math.floor(agent.index / 50_000);
    const viaAddr = block === 0 ? "127.0.0.1" : `127.0.${block}.1`;
    const viaPort = 15_000 + (agent.index % 50_000);
    this.registrations += 1;
    return {
      aor: agent.extension,
      uri: `sip:${agent.extension}@${viaAddr}:${viaPort}`,
      viaAddr,
      viaPort,
      callId: `${this.registrations}-${4_000 + (agent.index % 60_000)}@${viaAddr}`,
      registeredAtMs: this.now(),
      status,
      roundtripUsec: status === "Reachable" ? this.roundtrip() : null,
      frozenExpiry: null,
    };
  }

  /** A refreshing phone re-registers every Expires/2, so its expiry always lies ahead. */
  private expirationTime(contact: SimContact): number {
    if (contact.frozenExpiry !== null) return contact.frozenExpiry;
    const half = (this.expiresS * 1000) / 2;
    const refreshes = Math.floor((this.now() - contact.registeredAtMs) / half);
    return Math.floor((contact.registeredAtMs + refreshes * half) / 1000) + this.expiresS;
  }

  private newChannel(agent: SimAgent, state: Channel["state"], exten: string, linkedid: string | null): Channel {
    const seq = this.channelSeq++;
    const uniqueid = `${Math.floor(this.bootedAtMs / 1000)}.${seq}`;
    return {
      name: `PJSIP/${agent.extension}-${seq.toString(16).padStart(8, "0")}`,
      uniqueid,
      linkedid: linkedid ?? uniqueid,
      callerNum: agent.extension,
      callerName: agentName(agent),
      context: this.context,
      state,
      connectedNum: "<unknown>",
      connectedName: "<unknown>",
      exten,
    };
  }

  private roundtrip(): number {
    return this.random.int(350, 950);
  }
}

function bucketOf(agent: SimAgent): AgentBucket {
  const contact = agent.contact;
  if (!contact) return "offline";
  if (agent.call) return "busy";
  if (agent.silent || contact.status === "Unreachable") return "silent";
  if (contact.status === "NonQualified") return "pending";
  return "idle";
}

/** The agents of a call (a queue caller alone while waiting). */
function parties(call: SimCall): SimAgent[] {
  return call.callee ? [call.caller, call.callee] : [call.caller];
}

export const dndDevice = (agent: { extension: string }): string => `Custom:DND${agent.extension}`;
export const presenceProvider = (agent: { extension: string }): string => `CustomPresence:${agent.extension}`;


function assertNever(value: never): never {
  throw new Error(`unhandled case ${String(value)}`);
}
