// What every instance serves when several run: the cluster's agent state as the Redis stream built it,
// record by record, in the leader's order. Queries (per extension) and snapshots (per agent) read it, so
// every instance, the leader included, answers exactly as of the last record it applied.
import type { AgentView } from "../domain/agent/merge.ts";
import type { AgentState } from "../domain/types.ts";
import type { ChangeEvent, CompatEventModel } from "../events/status-hub.ts";

/** The AMI link as the leader reports it. */
export interface LinkRecord {
  connected: boolean;
  synced: boolean;
  leader: string;
  lastError: string | null;
  queueDataAvailable: boolean;
  queueDataDetail: string | null;
}

/** The whole state at record `n`: what a replica that lost its place, or a new stream, starts from. */
export interface ReplicaSnapshot {
  epoch: string;
  seq: number;
  n: number;
  stale: boolean;
  link: LinkRecord | null;
  states: AgentState[];
  views: AgentView[];
}

/** One entry of the stream. `n` rises by one per record across leaders; `seq` only per agent change. */
export type StreamRecord = { n: number } & (
  | { k: "state"; ext: string; state: AgentState | null }
  | { k: "change"; ev: ChangeEvent }
  | { k: "compat"; ev: CompatEventModel }
  | { k: "link"; link: LinkRecord }
  | { k: "snapshot"; snap: ReplicaSnapshot }
);

export type ApplyOutcome = "applied" | "duplicate" | "gap" | "snapshot";

export class Replica {
  /** The stream epoch (null: nothing known yet). */
  epoch: string | null = null;
  seq = 0;
  n = 0;
  /** Redis id of the last entry applied ("0": none). */
  lastId = "0";
  /** The highest leader epoch seen: records of an older leader are ignored (a second fence). */
  leaderEpoch = 0;
  stale = true;
  link: LinkRecord | null = null;
  /** A gap was seen: nothing is applied until a snapshot arrives. */
  awaitingSnapshot = false;
  private readonly states = new Map<string, AgentState>();
  private readonly views = new Map<string, AgentView>();
  private readonly agentOfExtension = new Map<string, string>();

  // LiveState (the reader's view of the live truth).
  get(extension: string): AgentState | null {
    return this.states.get(extension) ?? null;
  }

  list(): AgentState[] {
    return [...this.states.values()];
  }

  get size(): number {
    return this.states.size;
  }

  extensions(): Iterable<string> {
    return this.states.keys();
  }

  get isStale(): boolean {
    return this.stale;
  }

  get hasSynced(): boolean {
    return this.epoch !== null;
  }

  agentOf(extension: string): AgentView | null {
    const id = this.agentOfExtension.get(extension);
    return id === undefined ? null : (this.views.get(id) ?? null);
  }

  agentViews(): AgentView[] {
    return [...this.views.values()];
  }

  /** Applies one record in stream order; says whether it continued the stream. */
  apply(record: StreamRecord): ApplyOutcome {
    if (record.k === "snapshot") {
      this.load(record.snap);
      return "snapshot";
    }
    if (this.awaitingSnapshot) return "gap";
    if (record.n <= this.n) return "duplicate";
    if (record.n !== this.n + 1 || this.epoch === null) {
      this.awaitingSnapshot = true;
      return "gap";
    }
    this.n = record.n;
    switch (record.k) {
      case "state":
        if (record.state) {
          this.states.set(record.ext, record.state);
          this.stale = record.state.stale;
        } else {
          this.states.delete(record.ext);
        }
        break;
      case "change":
        this.applyChange(record.ev);
        break;
      case "link":
        this.link = record.link;
        break;
      case "compat":
        break;
    }
    return "applied";
  }

  load(snapshot: ReplicaSnapshot): void {
    this.epoch = snapshot.epoch;
    this.seq = snapshot.seq;
    this.n = snapshot.n;
    this.stale = snapshot.stale;
    this.link = snapshot.link;
    this.awaitingSnapshot = false;
    this.states.clear();
    for (const state of snapshot.states) this.states.set(state.extension, state);
    this.views.clear();
    this.agentOfExtension.clear();
    for (const view of snapshot.views) this.setView(view);
  }

  toSnapshot(): ReplicaSnapshot {
    return { epoch: this.epoch ?? "", seq: this.seq, n: this.n, stale: this.stale, link: this.link, states: this.list(), views: this.agentViews() };
  }

  private applyChange(event: ChangeEvent): void {
    this.seq = event.seq;
    const id = event.agent.id;
    if (event.removed) {
      this.views.delete(id);
      for (const part of event.agent.extensions) if (this.agentOfExtension.get(part.extension) === id) this.agentOfExtension.delete(part.extension);
    } else {
      const old = this.views.get(id);
      if (old) for (const part of old.extensions) if (this.agentOfExtension.get(part.extension) === id) this.agentOfExtension.delete(part.extension);
      this.setView(event.agent);
    }
  }

  private setView(view: AgentView): void {
    this.views.set(view.id, view);
    for (const part of view.extensions) this.agentOfExtension.set(part.extension, view.id);
  }
}
