// Fan-out of status changes to subscribers over a graphql-subscriptions PubSubEngine (in-memory
// PubSub here; a Redis engine can replace it for several instances). Registration and the snapshot
// happen in the same tick, so a subscriber sees every change after its snapshot: no gap, no duplicate.
// Agent changes reach subscribers through one PubSub listener per hub and an index of who watches which
// extension: a change costs the subscribers watching it, not a filter call per subscriber (10,000
// dashboards in teams of 50 watch any one agent 250 at a time).
import { randomUUID } from "node:crypto";
import type { PubSubEngine } from "graphql-subscriptions";
import type { AgentView } from "../domain/agent/merge.ts";
import type { AgentChange } from "../domain/agent/roster.ts";
import { SubscriberQueue } from "./subscriber-queue.ts";

export const AGENT_STATUS_TOPIC = "AGENT_STATUS";
export const COMPAT_TOPIC = "EXTENSION_EVENTS";

export type CompatKind = "CONTACT_STATUS" | "ENDPOINT_STATUS" | "AVAILABILITY_CHANGED" | "STATUSES_REFRESHED";

export const COMPAT_TYPES: Readonly<Record<CompatKind, string>> = {
  CONTACT_STATUS: "extension:contactStatus",
  ENDPOINT_STATUS: "extension:endpointStatus",
  AVAILABILITY_CHANGED: "extension:availability_changed",
  STATUSES_REFRESHED: "extension:statuses_refreshed",
};

export interface CompatEventModel {
  type: string;
  kind: CompatKind;
  extension: string | null;
  payload: string;
  ts: number;
}

/** One published agent change, stamped. */
export interface ChangeEvent extends AgentChange {
  kind: "change";
  ts: number;
  /** The stream this change belongs to; absent: the hub's own (one process). */
  epoch?: string;
}

/** What a subscriber gets first: the agents it watches, as of change `seq`. */
export interface SnapshotEvent {
  kind: "snapshot";
  agents: AgentView[];
  seq: number;
  ts: number;
  /** The stream `seq` belongs to; absent: the hub's own (one process). */
  epoch?: string;
}

export type AgentStatusEventModel = SnapshotEvent | ChangeEvent;

type ChangeListener = (change: ChangeEvent) => void;

export class StatusHub {
  subscribers = 0;
  /** Live subscriptions to the compatibility kinds (extensionEvents). */
  private compatSubscribers = 0;
  /** Names this stream of `seq` numbers: a hub (a process start) has its own, so a client that sees a
   * new epoch knows `seq` started again and drops its state for the new snapshot. */
  epoch: string = randomUUID();
  /** Live agentStatus subscriptions, each able to take and push a new snapshot (see resnapshot). */
  private readonly snapshotTakers = new Set<() => void>();

  /** Agent-change listeners by watched extension, and those watching every agent. */
  private readonly watchers = new Map<string, Set<ChangeListener>>();
  private readonly watchingAll = new Set<ChangeListener>();

  constructor(
    private readonly pubsub: PubSubEngine,
    /** Per subscriber: beyond this many queued events, only the latest state per agent is kept. */
    private readonly maxQueue = 1_000,
  ) {
    void this.pubsub.subscribe(AGENT_STATUS_TOPIC, (change: ChangeEvent) => this.dispatch(change), {});
  }

  private dispatch(change: ChangeEvent): void {
    const extensions = change.extensions;
    if (extensions.length === 1) {
      const listeners = this.watchers.get(extensions[0]!);
      if (listeners) for (const listener of listeners) listener(change);
    } else {
      // An agent with several extensions is watched when any of them is: each watcher once.
      const called = new Set<ChangeListener>();
      for (const extension of extensions) {
        for (const listener of this.watchers.get(extension) ?? []) {
          if (called.has(listener)) continue;
          called.add(listener);
          listener(change);
        }
      }
    }
    for (const listener of this.watchingAll) listener(change);
  }

  /** Registers `listener` for changes of these extensions (null: every agent); returns the unregistration. */
  private watch(extensions: ReadonlySet<string> | null, listener: ChangeListener): () => void {
    if (!extensions) {
      this.watchingAll.add(listener);
      return () => this.watchingAll.delete(listener);
    }
    for (const extension of extensions) {
      let listeners = this.watchers.get(extension);
      if (!listeners) this.watchers.set(extension, (listeners = new Set()));
      listeners.add(listener);
    }
    return () => {
      for (const extension of extensions) {
        const listeners = this.watchers.get(extension);
        listeners?.delete(listener);
        if (listeners?.size === 0) this.watchers.delete(extension);
      }
    };
  }

  publishChange(change: ChangeEvent): void {
    void this.pubsub.publish(AGENT_STATUS_TOPIC, change);
  }

  /** Whether anyone here follows the compatibility kinds: when not, publishers need not build them. */
  get compatWanted(): boolean {
    return this.compatSubscribers > 0;
  }

  publishCompat(event: CompatEventModel): void {
    void this.pubsub.publish(COMPAT_TOPIC, event);
  }

  /**
   * Snapshot first, then every later change for the selected extensions.
   * `takeSnapshot` must read the live state synchronously before its first await.
   */
  agentStatus(extensions: readonly string[] | null, takeSnapshot: () => Promise<SnapshotEvent>): AsyncIterableIterator<AgentStatusEventModel> {
    const wanted = extensions && extensions.length > 0 ? new Set(extensions) : null;
    // An agent with several extensions is watched when any of them is.
    const watches = (agentExtensions: readonly string[]) => !wanted || agentExtensions.some((e) => wanted.has(e));
    let snapshotSeq = Number.POSITIVE_INFINITY;
    const pending: ChangeEvent[] = [];
    let unwatch = () => {};
    const queue = new SubscriberQueue<AgentStatusEventModel>((event) => (event.kind === "change" ? event.extension : null), this.maxQueue, () => {
      this.subscribers--;
      unwatch();
      this.snapshotTakers.delete(snapshotNow);
    });
    this.subscribers++;
    unwatch = this.watch(wanted, (change) => {
      if (snapshotSeq === Number.POSITIVE_INFINITY) pending.push(change); // snapshot still being built
      else if (change.seq > snapshotSeq) queue.push(change);
    });
    const snapshotNow = () => {
      snapshotSeq = Number.POSITIVE_INFINITY;
      pending.length = 0;
      void takeSnapshot().then(
        (snapshot) => {
          snapshotSeq = snapshot.seq;
          const agents = wanted ? snapshot.agents.filter((agent) => watches(agent.extensions.map((e) => e.extension))) : snapshot.agents;
          queue.push({ ...snapshot, agents });
          for (const change of pending.splice(0)) if (change.seq > snapshotSeq) queue.push(change);
        },
        () => queue.close(),
      );
    };
    this.snapshotTakers.add(snapshotNow);
    snapshotNow();
    return queue;
  }

  /**
   * Every agentStatus subscriber gets a new snapshot now (with the current epoch): the stream they
   * follow could not be continued without a gap (a replica that lost its place, a new stream epoch).
   * A snapshot replaces whatever a client holds, so it needs no resubscription.
   */
  resnapshot(): void {
    for (const snapshotNow of [...this.snapshotTakers]) snapshotNow();
  }

  extensionEvents(kinds: readonly CompatKind[] | null, extensions: readonly string[] | null): AsyncIterableIterator<CompatEventModel> {
    const wantedKinds = kinds && kinds.length > 0 ? new Set(kinds) : null;
    const wantedExtensions = extensions && extensions.length > 0 ? new Set(extensions) : null;
    this.compatSubscribers++;
    const queue = this.register<CompatEventModel>(
      COMPAT_TOPIC,
      () => null,
      (event: CompatEventModel) => {
        if (wantedKinds && !wantedKinds.has(event.kind)) return;
        if (wantedExtensions && event.extension !== null && !wantedExtensions.has(event.extension)) return;
        queue.push(event);
      },
      () => this.compatSubscribers--,
    );
    return queue;
  }

  private register<T>(topic: string, keyOf: (item: T) => string | null, onMessage: (payload: never) => void, onClosed?: () => void): SubscriberQueue<T> {
    let subscriptionId: number | undefined;
    let closed = false;
    const queue = new SubscriberQueue<T>(keyOf, this.maxQueue, () => {
      closed = true;
      this.subscribers--;
      onClosed?.();
      if (subscriptionId !== undefined) this.pubsub.unsubscribe(subscriptionId);
    });
    this.subscribers++;
    // PubSub registers its listener synchronously; the id arrives in a promise.
    void this.pubsub.subscribe(topic, onMessage, {}).then((id) => {
      subscriptionId = id;
      if (closed) this.pubsub.unsubscribe(id);
    });
    return queue;
  }
}
