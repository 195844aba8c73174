// Adapts AMI output to the domain and fans the changes out: write buffer (persistence), status cache
// (reads), the agent roster (users with several extensions merged) and the hub (subscribers).
// Everything here is synchronous: the AMI socket reader calls in, and nothing it calls waits on the
// database. Wrap-up windows end without an event: a timer asks the tracker at the next end.
//
// Changes are stored and published at the end of the synchronous run that made them (a slice of AMI
// messages read together), once per extension with its state then: after an Asterisk restart an
// extension's DND, contact and device events arrive together, and subscribers need its final state,
// not three deltas made microseconds apart. Events that arrive apart (the normal case) are still one
// delta each. A resync's changes are stored and published at once (it reports them).
import type { AmiListener, ExtensionWrite, Log } from "../domain/ports.ts";
import type { AvailabilityTracker, TrackerChange, TrackerChangeNote } from "../domain/tracker.ts";
import type { AgentState, AsteriskSnapshot, Fact } from "../domain/types.ts";
import type { AgentChange, AgentRoster } from "../domain/agent/roster.ts";
import type { Directory } from "../domain/agent/merge.ts";
import type { StatusCache } from "../cache/status-cache.ts";
import { COMPAT_TYPES, type ChangeEvent, type CompatKind, type StatusHub } from "../events/status-hub.ts";

export interface WriteSink {
  enqueue(write: ExtensionWrite): void;
}

export interface ResyncResult {
  changed: ChangeEvent[];
  agents: number;
  ts: number;
}

export class AvailabilityService implements AmiListener {
  private connected = false;
  private lastSnapshot: ResyncResult | null = null;
  private readonly snapshotWaiters: Array<(result: ResyncResult) => void> = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt: number | null = null;
  private stopped = false;
  private readonly resyncListeners: Array<() => void> = [];
  /** Extensions whose change waits for the end of this run: how many changes it folds, and whether any touched what dashboards see. */
  private readonly unpublished = new Map<string, { folded: number; shown: boolean }>();
  private flushQueued = false;

  constructor(
    private readonly tracker: AvailabilityTracker,
    /** The agents' roster (in a cluster: the stream, whose readers' rosters make the agent changes). */
    private readonly roster: Pick<AgentRoster, "apply" | "setDirectory" | "size">,
    private readonly writes: WriteSink,
    private readonly cache: Pick<StatusCache, "applyState">,
    private readonly hub: Pick<StatusHub, "publishChange" | "publishCompat" | "compatWanted">,
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

  /** The persisted state at start-up, before AMI: served as stale. */
  restore(states: Parameters<AvailabilityTracker["restore"]>[0]): void {
    this.tracker.restore(states);
    for (const state of this.tracker.list()) this.roster.apply(state.extension, state, true);
    this.scheduleWake();
  }

  onFact(fact: Fact): void {
    const change = this.tracker.applyLive(fact);
    if (this.hub.compatWanted) this.compatOfFact(fact);
    if (change) this.emit(change);
    if (isQueueFact(fact)) this.scheduleWake();
  }

  /** The compatibility kinds a fact makes (CONTACT_STATUS, ENDPOINT_STATUS). */
  private compatOfFact(fact: Fact): void {
    if (fact.kind === "contact" || fact.kind === "contactRemoved") {
      this.compat("CONTACT_STATUS", fact.endpoint, {
        extension: fact.endpoint,
        contactId: fact.kind === "contact" ? fact.contact.id : fact.contactId,
        uri: fact.kind === "contact" ? fact.contact.uri : fact.uri,
        status: fact.kind === "contact" ? fact.contact.status : "Removed",
      });
    } else if (fact.kind === "deviceState" || fact.kind === "peerStatus") {
      const state = this.tracker.get(fact.endpoint);
      this.compat("ENDPOINT_STATUS", fact.endpoint, {
        extension: fact.endpoint,
        ...(fact.kind === "deviceState" ? { deviceState: fact.state } : { peerStatus: fact.reachable ? "Reachable" : "Unreachable" }),
        status: state?.status ?? "OFFLINE",
      });
    }
  }

  onSnapshot(snapshot: AsteriskSnapshot): void {
    this.publishPending();
    const changes = this.tracker.reconcile(snapshot);
    changes.push(...this.tracker.setStale(!this.connected));
    const emitted = changes.flatMap((change) => this.emitNow(change) ?? []);
    const result: ResyncResult = { changed: emitted, agents: this.roster.size, ts: this.now() };
    this.lastSnapshot = result;
    if (this.hub.compatWanted) this.compat("STATUSES_REFRESHED", null, { agents: this.tracker.size, changed: changes.filter((c) => c.statusChanged).map((c) => c.extension) });
    this.log.info({ agents: result.agents, changed: emitted.length }, "resync applied");
    this.scheduleWake();
    for (const waiter of this.snapshotWaiters.splice(0)) waiter(result);
    for (const listener of this.resyncListeners) listener();
  }

  /** Called after every applied resync (e.g. to reload the CRM's users). */
  onResync(listener: () => void): void {
    this.resyncListeners.push(listener);
  }

  onConnectionChange(connected: boolean, reason?: string): void {
    this.connected = connected;
    // Fresh again only after the resync that follows a login; stale as soon as the link is lost.
    if (!connected) for (const change of this.tracker.setStale(true)) this.emit(change);
    this.log.info({ connected, reason }, connected ? "AMI connected" : "AMI disconnected: agents are stale");
  }

  /** The CRM's users (and which extensions they own) were (re)loaded. */
  setDirectory(directory: Directory): void {
    this.publishPending();
    const changes = this.roster.setDirectory(directory);
    for (const change of changes) this.publish(change);
    if (changes.length > 0) this.log.info({ changed: changes.length, users: directory.users.length }, "users reloaded: agents regrouped");
  }

  /** Resolves with the next applied snapshot (after `trigger` asked for one). */
  nextSnapshot(trigger: () => Promise<unknown>): Promise<ResyncResult> {
    const next = new Promise<ResyncResult>((resolve) => this.snapshotWaiters.push(resolve));
    return trigger().then(() => next);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.wakeTimer);
  }

  /** Stored and published at the end of this run, once per extension with its state then. */
  private emit(change: TrackerChangeNote): void {
    if (this.hub.compatWanted) this.compatOfChange(change);
    this.defer(change.extension, change.statusChanged);
  }

  /** Stored and published at once; returns the published change (a resync reports them). */
  private emitNow(change: TrackerChange): ChangeEvent | null {
    if (this.hub.compatWanted) this.compatOfChange(change);
    const state = change.state;
    this.store(change.extension, state);
    if (!change.statusChanged) return null;
    const agentChange = this.roster.apply(change.extension, state, true);
    return agentChange ? this.publish(agentChange) : null;
  }

  private store(extension: string, state: AgentState | null): void {
    this.writes.enqueue({ extension, state });
    this.cache.applyState(extension, state, true);
  }

  /** `shown`: the change touched what dashboards see (else it is stored only). */
  private defer(extension: string, shown: boolean): void {
    const waiting = this.unpublished.get(extension);
    if (waiting) {
      waiting.folded++;
      waiting.shown ||= shown;
    } else this.unpublished.set(extension, { folded: 1, shown });
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      try {
        this.publishPending();
      } catch (error) {
        this.log.error({ err: error instanceof Error ? error.message : String(error) }, "publishing agent changes failed");
      }
    });
  }

  /** Stores and publishes the waiting changes, in the order their extensions first changed, each with its state now. */
  private publishPending(): void {
    this.flushQueued = false;
    if (this.unpublished.size === 0) return;
    const waiting = [...this.unpublished];
    this.unpublished.clear();
    for (const [extension, { folded, shown }] of waiting) {
      const state = this.tracker.get(extension);
      this.store(extension, state);
      if (!shown) continue;
      // Folded changes may have come back to what was published: let the roster compare.
      const agentChange = this.roster.apply(extension, state, folded === 1);
      if (agentChange) this.publish(agentChange);
    }
  }

  /** AVAILABILITY_CHANGED, per tracker change (not folded: the compatibility kinds are one per event). */
  private compatOfChange(change: TrackerChangeNote | TrackerChange): void {
    const state = "state" in change ? change.state : this.tracker.get(change.extension);
    const previous = change.previous;
    if (previous && previous.status === state?.status && previous.online === state.online && previous.available === state.available) return;
    this.compat("AVAILABILITY_CHANGED", change.extension, {
      extension: change.extension,
      status: state?.status ?? "OFFLINE",
      online: state?.online ?? false,
      available: state?.available ?? false,
      previousStatus: previous?.status ?? null,
    });
  }

  private publish(change: AgentChange): ChangeEvent {
    const event: ChangeEvent = { kind: "change", ...change, ts: this.now() };
    this.hub.publishChange(event);
    return event;
  }

  /** One timer for the earliest wrap-up end; the tracker says what it changed. */
  private scheduleWake(): void {
    if (this.stopped) return;
    const next = this.tracker.nextWakeAt();
    if (next === this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = next;
    if (next === null) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = null;
      for (const change of this.tracker.tick()) this.emit(change);
      this.scheduleWake();
    }, Math.max(0, next - this.now()));
    this.wakeTimer.unref();
  }

  /** Callers ask hub.compatWanted first: nobody following them here, no payload is even built. */
  private compat(kind: CompatKind, extension: string | null, payload: object): void {
    this.hub.publishCompat({ type: COMPAT_TYPES[kind], kind, extension, payload: JSON.stringify(payload), ts: this.now() });
  }
}

function isQueueFact(fact: Fact): boolean {
  return fact.kind === "queueMember" || fact.kind === "queueMemberRemoved" || fact.kind === "queuePause" || fact.kind === "queueCallEnded";
}
