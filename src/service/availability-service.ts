// Adapts AMI output to the domain and fans the tracker's changes out: write buffer (persistence),
// status cache (reads) and hub (subscribers). Everything here is synchronous: the AMI socket reader
// calls in, and nothing it calls waits on the database.
import type { AmiListener, ExtensionWrite, Log } from "../domain/ports.ts";
import type { AvailabilityTracker, TrackerChange } from "../domain/tracker.ts";
import type { AsteriskSnapshot, Fact } from "../domain/types.ts";
import type { StatusCache } from "../cache/status-cache.ts";
import { COMPAT_TYPES, type CompatKind, type StatusHub } from "../events/status-hub.ts";
import type { ChangeModel } from "../graphql/models.ts";

export interface WriteSink {
  enqueue(write: ExtensionWrite): void;
}

export interface ResyncResult {
  changed: ChangeModel[];
  agents: number;
  ts: number;
}

export class AvailabilityService implements AmiListener {
  private connected = false;
  private lastSnapshot: ResyncResult | null = null;
  private readonly snapshotWaiters: Array<(result: ResyncResult) => void> = [];

  constructor(
    private readonly tracker: AvailabilityTracker,
    private readonly writes: WriteSink,
    private readonly cache: StatusCache,
    private readonly hub: StatusHub,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  get isConnected(): boolean {
    return this.connected;
  }

  /** Logged in and the first resync since then is applied. */
  get isSynced(): boolean {
    return this.connected && !this.tracker.isStale;
  }

  get lastResync(): ResyncResult | null {
    return this.lastSnapshot;
  }

  onFact(fact: Fact): void {
    const change = this.tracker.apply(fact);
    if (fact.kind === "contact" || fact.kind === "contactRemoved") {
      this.compat("CONTACT_STATUS", fact.endpoint, {
        extension: fact.endpoint,
        contactId: fact.kind === "contact" ? fact.contact.id : fact.contactId,
        uri: fact.kind === "contact" ? fact.contact.uri : fact.uri,
        status: fact.kind === "contact" ? fact.contact.status : "Removed",
      });
    } else if (fact.kind === "deviceState" || fact.kind === "peerStatus") {
      // The change already carries the new state; only an unchanged extension needs a lookup.
      const state = change ? change.state : this.tracker.get(fact.endpoint);
      this.compat("ENDPOINT_STATUS", fact.endpoint, {
        extension: fact.endpoint,
        ...(fact.kind === "deviceState" ? { deviceState: fact.state } : { peerStatus: fact.reachable ? "Reachable" : "Unreachable" }),
        status: state?.status ?? "OFFLINE",
      });
    }
    if (change) this.emit(change);
  }

  onSnapshot(snapshot: AsteriskSnapshot): void {
    const changes = this.tracker.reconcile(snapshot);
    changes.push(...this.tracker.setStale(!this.connected));
    const emitted = changes.map((change) => this.emit(change)).filter((c): c is ChangeModel => c !== null);
    const result: ResyncResult = { changed: emitted, agents: this.tracker.list().length, ts: this.now() };
    this.lastSnapshot = result;
    this.compat("STATUSES_REFRESHED", null, { agents: result.agents, changed: emitted.map((c) => c.extension) });
    this.log.info({ agents: result.agents, changed: emitted.length }, "resync applied");
    for (const waiter of this.snapshotWaiters.splice(0)) waiter(result);
  }

  onConnectionChange(connected: boolean, reason?: string): void {
    this.connected = connected;
    // Fresh again only after the resync that follows a login; stale as soon as the link is lost.
    if (!connected) for (const change of this.tracker.setStale(true)) this.emit(change);
    this.log.info({ connected, reason }, connected ? "AMI connected" : "AMI disconnected: agents are stale");
  }

  /** Resolves with the next applied snapshot (after `trigger` asked for one). */
  nextSnapshot(trigger: () => Promise<unknown>): Promise<ResyncResult> {
    const next = new Promise<ResyncResult>((resolve) => this.snapshotWaiters.push(resolve));
    return trigger().then(() => next);
  }

  private emit(change: TrackerChange): ChangeModel | null {
    this.writes.enqueue({ extension: change.extension, state: change.state });
    this.cache.applyState(change.extension, change.state);
    if (!change.statusChanged) return null;
    const state = change.state;
    const model: ChangeModel = {
      kind: "change",
      extension: change.extension,
      status: state?.status ?? "OFFLINE",
      online: state?.online ?? false,
      available: state?.available ?? false,
      stale: this.tracker.isStale,
      removed: state === null,
      seq: change.seq,
      ts: this.now(),
    };
    this.hub.publishChange(model);
    const previous = change.previous;
    const availabilityChanged = !previous || previous.status !== model.status || previous.online !== model.online || previous.available !== model.available || model.removed;
    if (!availabilityChanged) return model; // only the stale flag moved
    this.compat("AVAILABILITY_CHANGED", change.extension, {
      extension: change.extension,
      status: model.status,
      online: model.online,
      available: model.available,
      previousStatus: change.previous?.status ?? null,
    });
    return model;
  }

  private compat(kind: CompatKind, extension: string | null, payload: object): void {
    this.hub.publishCompat({ type: COMPAT_TYPES[kind], kind, extension, payload: JSON.stringify(payload), ts: this.now() });
  }
}
