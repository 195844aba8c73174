// The state tracker: applies normalized facts per extension and reports a change only when
// something stored or served changed. Pure and synchronous: no I/O, time comes from a clock.
// Each extension's layers (phone, presence/DND, queues) are kept apart and combined by the rule in
// availability.ts. Presence, DND and queue facts for an extension Asterisk has not (yet) reported as
// an endpoint are kept and apply as soon as it appears.
import { contactIsReachable, derivePhone, unavailableReasons, type Availability } from "./availability.ts";
import { dndIsOn } from "./presence/presence-rule.ts";
import { NO_WRAP_UP, nextWrapUpEnd, withWrapUp, type QueuePolicy } from "./queues/queue-rule.ts";
import { sameFields, sameList } from "./same.ts";
import type { AgentState, AsteriskSnapshot, Contact, DeviceState, Fact, Presence, PresenceReport, QueueMember, QueueMembership, UnavailableReason } from "./types.ts";

/** That an extension changed, without its new state (applyLive: the caller reads it with get() when it needs it). */
export interface TrackerChangeNote {
  /** Monotonic per tracker, +1 per published change (others repeat the last). */
  seq: number;
  extension: string;
  previous: Availability | null;
  /** Something a dashboard shows changed: status, online, available, reasons, DND, presence or queues. */
  statusChanged: boolean;
}

export interface TrackerChange extends TrackerChangeNote {
  /** The new state; null when the extension no longer exists in Asterisk. */
  state: AgentState | null;
}

interface Derived extends Availability {
  reasons: UnavailableReason[];
  dnd: boolean;
  queues: QueueMembership[];
}

interface ExtensionRecord {
  extension: string;
  contacts: Map<string, Contact>;
  /** From DeviceStateChange / DeviceStateList / EndpointList. */
  deviceState: DeviceState | null;
  /** From ExtensionStatus: only used while no device state is known. */
  hintState: DeviceState | null;
  lastSeen: number | null;
  updatedAt: number;
  derived: Derived;
  /** +1 whenever what dashboards see (derived, presence) changes: tells a published change from a stored-only one. */
  published: number;
  /** The presence `derived` was made with (presence objects are replaced, never changed, so identity compares). */
  derivedPresence: Presence | null;
  /** +1 whenever a contact comes, goes or changes in any field. */
  contactsVersion: number;
}

/** Everything persisted or served except timestamps, at one moment: equal marks mean "no change". */
interface Mark {
  published: number;
  device: DeviceState | null;
  contacts: number;
}

export type Clock = () => number;

export class AvailabilityTracker {
  private readonly records = new Map<string, ExtensionRecord>();
  // Layers other than the phone, by extension (kept even before the endpoint is known).
  private readonly dndDevice = new Map<string, boolean>();
  private readonly presence = new Map<string, Presence>();
  private readonly members = new Map<string, Map<string, QueueMember>>();
  /** The memberships with their wrap-up windows, sorted, as last derived from `members` (dropped when those change). */
  private readonly memberships = new Map<string, QueueMembership[]>();
  /** Extensions with a wrap-up window still open (the only ones a tick can change). */
  private readonly wrappingUp = new Set<string>();
  private seq = 0;
  private stale = true;
  private synced = false;

  constructor(
    private readonly now: Clock = Date.now,
    private readonly queuePolicy: QueuePolicy = NO_WRAP_UP,
    /** The PBX whose extensions this tracker holds (one tracker per PBX). */
    readonly pbx = "default",
  ) {}

  get isStale(): boolean {
    return this.stale;
  }

  /** A resync has defined which extensions exist. */
  get hasSynced(): boolean {
    return this.synced;
  }

  get lastSeq(): number {
    return this.seq;
  }

  get(extension: string): AgentState | null {
    const record = this.records.get(extension);
    return record ? this.view(record) : null;
  }

  /** How many extensions Asterisk reports (without building their states). */
  get size(): number {
    return this.records.size;
  }

  list(): AgentState[] {
    return [...this.records.values()].map((r) => this.view(r));
  }

  extensions(): Iterable<string> {
    return this.records.keys();
  }

  /** Seed from persisted state at start-up (served as stale until the first resync). */
  restore(states: readonly AgentState[]): void {
    for (const state of states) {
      const record = this.newRecord(state.extension);
      for (const contact of state.contacts) record.contacts.set(contact.id, contact);
      record.contactsVersion++;
      record.deviceState = state.deviceState;
      record.lastSeen = state.lastSeen;
      record.updatedAt = state.updatedAt;
      if (state.dnd && state.presence?.state !== "dnd") this.dndDevice.set(state.extension, true);
      if (state.presence) this.presence.set(state.extension, state.presence);
      this.memberships.delete(state.extension);
      if (state.queues.length > 0) this.members.set(state.extension, new Map(state.queues.map(({ wrapUpUntil: _, ...m }) => [m.queue, m])));
      this.rederive(record);
      this.records.set(state.extension, record);
    }
  }

  /**
   * Forget everything and take these states as the truth (an instance becoming the AMI reader takes over
   * what the cluster's subscribers were last told); `stale` as the previous reader last said.
   */
  replaceAll(states: readonly AgentState[], stale: boolean): void {
    this.records.clear();
    this.dndDevice.clear();
    this.presence.clear();
    this.members.clear();
    this.memberships.clear();
    this.wrappingUp.clear();
    this.stale = stale;
    this.synced = false;
    this.restore(states);
  }

  apply(fact: Fact): TrackerChange | null {
    return this.applyFact(fact, true) as TrackerChange | null;
  }

  /** apply() without building the new state: the live path, which stores and publishes an extension's state
   * once at the end of a slice of AMI messages (building it per event was a tenth of what ingest allocated). */
  applyLive(fact: Fact): TrackerChangeNote | null {
    return this.applyFact(fact, false);
  }

  private applyFact(fact: Fact, withState: boolean): TrackerChangeNote | null {
    // Layer facts about an extension Asterisk has not reported: keep them for when it appears.
    if (!this.records.has(fact.endpoint) && isLayerFact(fact)) {
      this.applyLayer(fact);
      return null;
    }
    const record = this.records.get(fact.endpoint) ?? this.newRecord(fact.endpoint);
    const isNew = !this.records.has(fact.endpoint);
    const before = isNew ? null : this.fingerprint(record);
    const previous = isNew ? null : record.derived;
    const published = isNew ? null : record.published;
    this.records.set(fact.endpoint, record);

    switch (fact.kind) {
      case "contact": {
        const old = record.contacts.get(fact.contact.id);
        const merged = mergeContact(old, fact.contact);
        record.contacts.set(fact.contact.id, merged);
        if (!sameFields(old ?? null, merged)) record.contactsVersion++;
        break;
      }
      case "contactRemoved":
        if (record.contacts.delete(fact.contactId)) record.contactsVersion++;
        break;
      case "deviceState":
        if (fact.source === "device") record.deviceState = fact.state;
        else record.hintState = fact.state;
        break;
      case "endpoint":
        if (fact.deviceState) record.deviceState = fact.deviceState;
        break;
      case "peerStatus":
        // Endpoint-level aggregate of the contacts we already track; kept out of the rule on purpose.
        break;
      case "presence":
      case "dnd":
      case "queueMember":
      case "queueMemberRemoved":
      case "queuePause":
      case "queueCallEnded":
        this.applyLayer(fact);
        break;
      default:
        return assertNever(fact);
    }
    return this.finish(record, before, previous, published, withState);
  }

  /** Replace everything with what Asterisk reports now; extensions and contacts it no longer has go.
   * A layer the snapshot could not read (null) keeps what we knew. */
  reconcile(snapshot: AsteriskSnapshot): TrackerChange[] {
    this.synced = true;
    if (snapshot.dnd) replaceAll(this.dndDevice, snapshot.dnd);
    if (snapshot.presence) {
      const fresh = new Map<string, Presence>();
      for (const [extension, report] of snapshot.presence) fresh.set(extension, this.nextPresence(this.presence.get(extension), report));
      replaceAll(this.presence, fresh);
    }
    if (snapshot.queueMembers) {
      const fresh = new Map<string, Map<string, QueueMember>>();
      for (const { endpoint, member } of snapshot.queueMembers) {
        const queues = fresh.get(endpoint) ?? new Map<string, QueueMember>();
        queues.set(member.queue, member);
        fresh.set(endpoint, queues);
      }
      replaceAll(this.members, fresh);
      this.memberships.clear();
    }

    const changes: TrackerChange[] = [];
    const seen = new Set<string>();
    const contactsByEndpoint = new Map<string, Contact[]>();
    for (const { endpoint, contact } of snapshot.contacts) {
      const list = contactsByEndpoint.get(endpoint) ?? [];
      list.push(contact);
      contactsByEndpoint.set(endpoint, list);
    }
    const endpoints = new Map(snapshot.endpoints.map((e) => [e.endpoint, e]));
    for (const endpoint of contactsByEndpoint.keys()) if (!endpoints.has(endpoint)) endpoints.set(endpoint, { endpoint, aor: null, deviceState: null });

    for (const [name, endpoint] of endpoints) {
      seen.add(name);
      const existing = this.records.get(name);
      const record = existing ?? this.newRecord(name);
      const before = existing ? this.fingerprint(record) : null;
      const previous = existing ? record.derived : null;
      const published = existing ? record.published : null;
      const fresh = new Map<string, Contact>();
      for (const contact of contactsByEndpoint.get(name) ?? []) fresh.set(contact.id, mergeContact(record.contacts.get(contact.id), contact));
      if (!sameContacts(record.contacts, fresh)) record.contactsVersion++;
      record.contacts = fresh;
      record.deviceState = snapshot.deviceStates.get(name) ?? endpoint.deviceState ?? record.deviceState;
      this.records.set(name, record);
      const change = this.finish(record, before, previous, published);
      if (change) changes.push(change);
    }
    for (const [name, record] of this.records) {
      if (seen.has(name)) continue;
      this.records.delete(name);
      this.wrappingUp.delete(name);
      changes.push({ seq: ++this.seq, extension: name, state: null, previous: record.derived, statusChanged: true });
    }
    return changes;
  }

  /** AMI up (synced) or down: stale agents keep their last status but are never available.
   * Every agent changes (its `stale` flag does), so every agent gets a change and a sequence number. */
  setStale(stale: boolean): TrackerChange[] {
    if (stale === this.stale) return [];
    this.stale = stale;
    const changes: TrackerChange[] = [];
    for (const record of this.records.values()) {
      const previous = record.derived;
      this.rederive(record);
      changes.push({ seq: ++this.seq, extension: record.extension, state: this.view(record), previous, statusChanged: true });
    }
    return changes;
  }

  /** Wrap-up windows end without any event: call at nextWakeAt() (or later) to apply what time changed. */
  tick(): TrackerChange[] {
    const changes: TrackerChange[] = [];
    for (const extension of [...this.wrappingUp]) {
      const record = this.records.get(extension);
      if (!record) continue;
      const change = this.finish(record, this.fingerprint(record), record.derived, record.published);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** The next moment a wrap-up window ends (epoch ms), or null: when tick() has something to do. */
  nextWakeAt(): number | null {
    const now = this.now();
    let next: number | null = null;
    for (const extension of this.wrappingUp) {
      const record = this.records.get(extension);
      const end = record ? nextWrapUpEnd(record.derived.queues, now) : null;
      if (end !== null && (next === null || end < next)) next = end;
    }
    return next;
  }

  private applyLayer(fact: Extract<Fact, { kind: "presence" | "dnd" | "queueMember" | "queueMemberRemoved" | "queuePause" | "queueCallEnded" }>): void {
    switch (fact.kind) {
      case "presence":
        if (fact.presence.state === "not_set" && !fact.presence.subtype && !fact.presence.message) this.presence.delete(fact.endpoint);
        else this.presence.set(fact.endpoint, this.nextPresence(this.presence.get(fact.endpoint), fact.presence));
        break;
      case "dnd":
        if (fact.on) this.dndDevice.set(fact.endpoint, true);
        else this.dndDevice.delete(fact.endpoint);
        break;
      case "queueMember": {
        this.memberships.delete(fact.endpoint);
        const queues = this.members.get(fact.endpoint) ?? new Map<string, QueueMember>();
        queues.set(fact.member.queue, fact.member);
        this.members.set(fact.endpoint, queues);
        break;
      }
      case "queueMemberRemoved": {
        this.memberships.delete(fact.endpoint);
        const queues = this.members.get(fact.endpoint);
        queues?.delete(fact.queue);
        if (queues?.size === 0) this.members.delete(fact.endpoint);
        break;
      }
      case "queuePause": {
        // Only a membership we know; the reason is not in this signal.
        const member = this.members.get(fact.endpoint)?.get(fact.queue);
        if (member && member.paused !== fact.paused) {
          this.memberships.delete(fact.endpoint);
          this.members.get(fact.endpoint)!.set(fact.queue, { ...member, paused: fact.paused, pausedReason: null, pausedSince: fact.paused ? this.now() : member.pausedSince });
        }
        break;
      }
      case "queueCallEnded": {
        // What app_queue's update_queue() just did, a few ms before it says so: LastCall = this second,
        // one more call. The QueueMemberStatus that follows carries Asterisk's own values and wins.
        const member = this.members.get(fact.endpoint)?.get(fact.queue);
        if (member) {
          const second = Math.floor(this.now() / 1000) * 1000;
          if (member.lastCall === null || member.lastCall < second) {
            this.memberships.delete(fact.endpoint);
            this.members.get(fact.endpoint)!.set(fact.queue, { ...member, lastCall: second, callsTaken: member.callsTaken + 1 });
          }
        }
        break;
      }
      default:
        assertNever(fact);
    }
  }

  private nextPresence(old: Presence | undefined, report: PresenceReport): Presence {
    const same = old && old.state === report.state && old.subtype === report.subtype && old.message === report.message;
    return same ? old : { ...report, since: this.now() };
  }

  private finish(record: ExtensionRecord, before: Mark | null, previous: Availability | null, published: number | null): TrackerChange | null;
  private finish(record: ExtensionRecord, before: Mark | null, previous: Availability | null, published: number | null, withState: boolean): TrackerChangeNote | null;
  private finish(record: ExtensionRecord, before: Mark | null, previous: Availability | null, published: number | null, withState = true): TrackerChange | TrackerChangeNote | null {
    this.rederive(record);
    for (const contact of record.contacts.values()) {
      if (contactIsReachable(contact)) {
        record.lastSeen = this.now();
        break;
      }
    }
    const after = this.fingerprint(record);
    if (before && before.published === after.published && before.device === after.device && before.contacts === after.contacts) return null;
    record.updatedAt = this.now();
    const statusChanged = published !== record.published;
    const seq = statusChanged ? ++this.seq : this.seq;
    if (!withState) return { seq, extension: record.extension, previous, statusChanged };
    return { seq, extension: record.extension, state: this.view(record), previous, statusChanged };
  }

  private rederive(record: ExtensionRecord): void {
    const extension = record.extension;
    const phone = derivePhone([...record.contacts.values()], record.deviceState ?? record.hintState, this.stale);
    const presence = this.presence.get(extension) ?? null;
    const dnd = dndIsOn(this.dndDevice.get(extension) ?? false, presence?.state ?? null);
    const queues = this.membershipsOf(extension);
    const now = this.now();
    const reasons = unavailableReasons({ status: phone.status, dnd, presence: presence?.state ?? null, queues, stale: this.stale }, { queue: null, now });
    const derived: Derived = { status: phone.status, online: phone.online, available: reasons.length === 0, reasons, dnd, queues };
    if (nextWrapUpEnd(queues, now) !== null) this.wrappingUp.add(extension);
    else this.wrappingUp.delete(extension);
    // Compared field by field, not serialised: this runs for every AMI event.
    if (presence === record.derivedPresence && sameDerived(derived, record.derived)) return;
    record.derived = derived;
    record.derivedPresence = presence;
    record.published++;
  }

  /** Wrap-up windows depend on the members' LastCall and the policy, not on the time: made again only when the members change. */
  private membershipsOf(extension: string): QueueMembership[] {
    let queues = this.memberships.get(extension);
    if (queues === undefined) {
      const members = this.members.get(extension);
      queues = members ? withWrapUp([...members.values()], this.queuePolicy).sort((a, b) => (a.queue < b.queue ? -1 : 1)) : [];
      this.memberships.set(extension, queues);
    }
    return queues;
  }

  /** Everything persisted or served except timestamps, now (versions, not serialised state: this runs per AMI event). */
  private fingerprint(record: ExtensionRecord): Mark {
    return { published: record.published, device: record.deviceState ?? record.hintState, contacts: record.contactsVersion };
  }

  private newRecord(extension: string): ExtensionRecord {
    const record: ExtensionRecord = {
      extension,
      contacts: new Map(),
      deviceState: null,
      hintState: null,
      lastSeen: null,
      updatedAt: this.now(),
      derived: { status: "OFFLINE", online: false, available: false, reasons: [], dnd: false, queues: [] },
      published: 0,
      derivedPresence: null,
      contactsVersion: 0,
    };
    this.rederive(record);
    return record;
  }

  private view(record: ExtensionRecord): AgentState {
    const { status, online, available, reasons, dnd, queues } = record.derived;
    return {
      extension: record.extension,
      pbx: this.pbx,
      status,
      online,
      available,
      stale: this.stale,
      reasons,
      dnd,
      presence: this.presence.get(record.extension) ?? null,
      queues,
      deviceState: record.deviceState ?? record.hintState,
      contacts: [...record.contacts.values()],
      lastSeen: record.lastSeen,
      updatedAt: record.updatedAt,
    };
  }
}

function isLayerFact(fact: Fact): fact is Extract<Fact, { kind: "presence" | "dnd" | "queueMember" | "queueMemberRemoved" | "queuePause" | "queueCallEnded" }> {
  return fact.kind === "presence" || fact.kind === "dnd" || fact.kind === "queueMember" || fact.kind === "queueMemberRemoved" || fact.kind === "queuePause" || fact.kind === "queueCallEnded";
}

function sameDerived(a: Derived, b: Derived): boolean {
  return a.status === b.status && a.online === b.online && a.available === b.available && a.dnd === b.dnd && sameList(a.reasons, b.reasons) && sameList(a.queues, b.queues, sameFields);
}

/** The same contacts (by id), each the same in every field. */
function sameContacts(a: ReadonlyMap<string, Contact>, b: ReadonlyMap<string, Contact>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, contact] of a) if (!sameFields(contact, b.get(id) ?? null)) return false;
  return true;
}

function replaceAll<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [key, value] of source) target.set(key, value);
}

/** A live event carries fewer facts than a list item: keep what we knew about the same contact. */
function mergeContact(old: Contact | undefined, update: Partial<Contact> & Pick<Contact, "id" | "uri" | "aor" | "status">): Contact {
  const base: Contact = old ?? {
    id: update.id,
    uri: update.uri,
    aor: update.aor,
    status: update.status,
    roundtripUsec: null,
    userAgent: null,
    expirationTime: null,
    viaAddr: null,
    viaPort: null,
    regServer: null,
    callId: null,
    qualifyFrequency: null,
    qualifyTimeout: null,
  };
  const merged: Contact = { ...base };
  // for…in, not Object.entries: this runs per ContactStatus and allocates nothing but `merged`.
  for (const key in update) {
    const value = update[key as keyof typeof update];
    // An equal value keeps the string already held (a new one is a slice of the AMI text, which it would keep alive).
    if (value !== undefined && value !== merged[key as keyof Contact]) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function assertNever(value: never): never {
  throw new Error(`unhandled fact ${JSON.stringify(value)}`);
}
