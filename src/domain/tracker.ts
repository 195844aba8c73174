// The state tracker: applies normalized facts per extension and reports a change only when
// something stored or served changed. Pure and synchronous: no I/O, time comes from a clock.
import { deriveAvailability, contactIsReachable, type Availability } from "./availability.ts";
import type { AgentState, AsteriskSnapshot, Contact, DeviceState, Fact } from "./types.ts";

export interface TrackerChange {
  /** Monotonic per tracker, +1 per status change (others repeat the last); subscribers use it to detect gaps. */
  seq: number;
  extension: string;
  /** The new state; null when the extension no longer exists in Asterisk. */
  state: AgentState | null;
  previous: Availability | null;
  /** status, online or available changed (what dashboards and transfers care about). */
  statusChanged: boolean;
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
  derived: Availability;
}

export type Clock = () => number;

export class AvailabilityTracker {
  private readonly records = new Map<string, ExtensionRecord>();
  private seq = 0;
  private stale = true;
  private synced = false;

  constructor(private readonly now: Clock = Date.now) {}

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

  list(): AgentState[] {
    return [...this.records.values()].map((r) => this.view(r));
  }

  /** Seed from persisted state at start-up (served as stale until the first resync). */
  restore(states: readonly AgentState[]): void {
    for (const state of states) {
      const record = this.newRecord(state.extension);
      for (const contact of state.contacts) record.contacts.set(contact.id, contact);
      record.deviceState = state.deviceState;
      record.lastSeen = state.lastSeen;
      record.updatedAt = state.updatedAt;
      record.derived = this.derive(record);
      this.records.set(state.extension, record);
    }
  }

  apply(fact: Fact): TrackerChange | null {
    const record = this.records.get(fact.endpoint) ?? this.newRecord(fact.endpoint);
    const isNew = !this.records.has(fact.endpoint);
    const before = isNew ? null : this.fingerprint(record);
    const previous = isNew ? null : record.derived;
    this.records.set(fact.endpoint, record);

    switch (fact.kind) {
      case "contact": {
        const old = record.contacts.get(fact.contact.id);
        record.contacts.set(fact.contact.id, mergeContact(old, fact.contact));
        break;
      }
      case "contactRemoved":
        record.contacts.delete(fact.contactId);
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
      default:
        return assertNever(fact);
    }
    return this.finish(record, before, previous);
  }

  /** Replace everything with what Asterisk reports now; extensions and contacts it no longer has go. */
  reconcile(snapshot: AsteriskSnapshot): TrackerChange[] {
    this.synced = true;
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
      const fresh = new Map<string, Contact>();
      for (const contact of contactsByEndpoint.get(name) ?? []) fresh.set(contact.id, mergeContact(record.contacts.get(contact.id), contact));
      record.contacts = fresh;
      record.deviceState = snapshot.deviceStates.get(name) ?? endpoint.deviceState ?? record.deviceState;
      this.records.set(name, record);
      const change = this.finish(record, before, previous);
      if (change) changes.push(change);
    }
    for (const [name, record] of this.records) {
      if (seen.has(name)) continue;
      this.records.delete(name);
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
      record.derived = this.derive(record);
      changes.push({ seq: ++this.seq, extension: record.extension, state: this.view(record), previous, statusChanged: true });
    }
    return changes;
  }

  private finish(record: ExtensionRecord, before: string | null, previous: Availability | null): TrackerChange | null {
    record.derived = this.derive(record);
    if (record.contacts.size > 0 && [...record.contacts.values()].some(contactIsReachable)) record.lastSeen = this.now();
    const after = this.fingerprint(record);
    if (before === after) return null;
    record.updatedAt = this.now();
    const statusChanged =
      !previous ||
      previous.status !== record.derived.status ||
      previous.online !== record.derived.online ||
      previous.available !== record.derived.available;
    // Only status changes are published, so only they take a sequence number: subscribers see +1 steps.
    const seq = statusChanged ? ++this.seq : this.seq;
    return { seq, extension: record.extension, state: this.view(record), previous, statusChanged };
  }

  private derive(record: ExtensionRecord): Availability {
    return deriveAvailability([...record.contacts.values()], record.deviceState ?? record.hintState, this.stale);
  }

  /** Everything persisted or served except timestamps: equal fingerprints mean "no change". */
  private fingerprint(record: ExtensionRecord): string {
    const contacts = [...record.contacts.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return JSON.stringify([record.derived, record.deviceState ?? record.hintState, contacts]);
  }

  private newRecord(extension: string): ExtensionRecord {
    return {
      extension,
      contacts: new Map(),
      deviceState: null,
      hintState: null,
      lastSeen: null,
      updatedAt: this.now(),
      derived: deriveAvailability([], null, this.stale),
    };
  }

  private view(record: ExtensionRecord): AgentState {
    return {
      extension: record.extension,
      ...record.derived,
      stale: this.stale,
      deviceState: record.deviceState ?? record.hintState,
      contacts: [...record.contacts.values()],
      lastSeen: record.lastSeen,
      updatedAt: record.updatedAt,
    };
  }
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
  for (const [key, value] of Object.entries(update) as Array<[keyof Contact, unknown]>) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function assertNever(value: never): never {
  throw new Error(`unhandled fact ${JSON.stringify(value)}`);
}
