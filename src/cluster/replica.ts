// What every instance serves when several run: the cluster's state as the one Redis stream built it,
// record by record, in the stream's order. Every PBX's leader appends to the same stream; the readers, not
// the leaders, turn the records into agent changes: each instance runs the same AgentRoster over the same
// records in the same order, so the same record gives the same change with the same `seq` everywhere, and
// an agent whose extensions are on two PBXs (led by two instances) is merged from both, in stream order.
// Queries (per extension) and snapshots (per agent) read it, so every instance answers exactly as of the
// last record it applied.
import { AgentRoster, type AgentChange, type RosterDump } from "../domain/agent/roster.ts";
import { Directory, type AgentView } from "../domain/agent/merge.ts";
import type { DirectoryUser } from "../domain/ports.ts";
import type { AgentState } from "../domain/types.ts";
import type { ChangeEvent, CompatEventModel } from "../events/status-hub.ts";

/** One PBX's AMI link as its leader reports it. */
export interface LinkRecord {
  connected: boolean;
  synced: boolean;
  leader: string;
  lastError: string | null;
  queueDataAvailable: boolean;
  queueDataDetail: string | null;
}

/** The whole state as of record `n`: what a replica that lost its place, or a new stream, starts from. */
export interface ReplicaSnapshot {
  epoch: string;
  /** The roster's last `seq` (also in `roster`; kept here to compare cheaply). */
  seq: number;
  n: number;
  /** Every extension's state (what queries read). */
  states: AgentState[];
  /** The agents as subscribers were last told, with the directory that groups them. */
  roster: RosterDump;
  links: Record<string, LinkRecord>;
  leaderEpochs: Record<string, number>;
}

/** What a leader appends; the entry around it says which PBX, which leader epoch, and its place `n`. */
export type RecordBody =
  /** An extension's latest state, for queries (every tracker change). */
  | { k: "state"; ext: string; state: AgentState | null }
  /** An extension's state for the agents: the roster input (`known`: the tracker knows a shown field changed). */
  | { k: "agent"; ext: string; state: AgentState | null; known: boolean; ts: number }
  /** A leader's whole PBX: its extensions are exactly these (after a new stream start). */
  | { k: "pbx"; states: AgentState[]; ts: number }
  /** The CRM's users and endpoint names, as the agents are grouped from now on. */
  | { k: "dir"; users: DirectoryUser[]; names: Array<[string, string]>; ts: number }
  | { k: "compat"; ev: CompatEventModel }
  | { k: "link"; link: LinkRecord }
  /** A new stream (a new or emptied Redis): everything starts again from here, under a new epoch. */
  | { k: "snapshot"; snap: Omit<ReplicaSnapshot, "n"> };

export interface StreamRecord {
  /** Place in the stream: +1 per record, whichever PBX's leader appended it (Redis counts them). */
  n: number;
  pbx: string;
  body: RecordBody;
}

/** Where applied records go: the local cache and subscription hub (as a single process feeds them). */
export interface ReplicaSink {
  /** `changed`: a tracker change of the leader's (the cache need not compare it). */
  applyState(extension: string, state: AgentState | null, changed?: boolean): void;
  publishChange(event: ChangeEvent): void;
  publishCompat(event: CompatEventModel): void;
}

export type ApplyOutcome = "applied" | "gap" | "snapshot";

const NO_SINK: ReplicaSink = { applyState: () => undefined, publishChange: () => undefined, publishCompat: () => undefined };

export class Replica {
  /** The stream epoch (null: nothing known yet). */
  epoch: string | null = null;
  n = 0;
  /** Redis id of the last entry applied ("0": none). */
  lastId = "0";
  /** A gap was seen: nothing is applied until a snapshot arrives. */
  awaitingSnapshot = false;
  /** Per PBX: its leader's AMI link, and the highest leader epoch seen (older leaders' records are ignored). */
  readonly links = new Map<string, LinkRecord>();
  readonly leaderEpochs = new Map<string, number>();
  /** Changes whenever the directory does (a publisher compares it before and after loading users). */
  directoryVersion = 0;
  private readonly states = new Map<string, AgentState>();
  private readonly stalePbxs = new Map<string, boolean>();
  /** The time of the record being applied: what the roster merges with, so every instance merges alike. */
  private clock = 0;
  private readonly roster = new AgentRoster(() => this.clock);

  constructor(private readonly sink: ReplicaSink = NO_SINK) {}

  get seq(): number {
    return this.roster.lastSeq;
  }

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

  /** Some PBX's agents are stale. */
  get isStale(): boolean {
    for (const stale of this.stalePbxs.values()) if (stale) return true;
    return this.stalePbxs.size === 0;
  }

  staleOf(extension: string): boolean {
    return this.states.get(extension)?.stale ?? this.isStale;
  }

  get hasSynced(): boolean {
    return this.epoch !== null;
  }

  /** One PBX's extensions (what a new leader of it takes over). */
  statesOf(pbx: string): AgentState[] {
    return this.list().filter((state) => state.pbx === pbx);
  }

  /** Whether a PBX's agents were last said stale (true when unknown). */
  pbxStale(pbx: string): boolean {
    return this.stalePbxs.get(pbx) ?? true;
  }

  agentOf(extension: string): AgentView | null {
    return this.roster.agentOf(extension);
  }

  get agentCount(): number {
    return this.roster.size;
  }

  agentViews(): AgentView[] {
    return this.roster.views();
  }

  get directory(): Directory {
    return this.roster.currentDirectory;
  }

  /** Applies one record in stream order; says whether it continued the stream. */
  apply(record: StreamRecord): ApplyOutcome {
    const { body } = record;
    if (body.k === "snapshot") {
      this.load({ ...body.snap, n: record.n });
      return "snapshot";
    }
    if (this.awaitingSnapshot) return "gap";
    // Redis numbers the records: anything but the next one is records lost (trimmed, or Redis emptied).
    if (record.n !== this.n + 1 || this.epoch === null) {
      this.awaitingSnapshot = true;
      return "gap";
    }
    this.n = record.n;
    switch (body.k) {
      case "state":
        this.setState(body.ext, body.state);
        this.sink.applyState(body.ext, body.state, true);
        break;
      case "agent":
        this.clock = body.ts;
        this.publish(this.roster.apply(body.ext, body.state, body.known), body.ts);
        break;
      case "pbx": {
        this.clock = body.ts;
        const kept = new Set(body.states.map((state) => state.extension));
        for (const state of this.statesOf(record.pbx)) {
          if (kept.has(state.extension)) continue;
          this.setState(state.extension, null);
          this.sink.applyState(state.extension, null);
          this.publish(this.roster.apply(state.extension, null), body.ts);
        }
        for (const state of body.states) {
          this.setState(state.extension, state);
          this.sink.applyState(state.extension, state);
          this.publish(this.roster.apply(state.extension, state), body.ts);
        }
        break;
      }
      case "dir":
        this.clock = body.ts;
        this.directoryVersion++;
        for (const change of this.roster.setDirectory(new Directory(body.users, new Map(body.names)))) this.publish(change, body.ts);
        break;
      case "link":
        this.links.set(record.pbx, body.link);
        break;
      case "compat":
        this.sink.publishCompat(body.ev);
        break;
    }
    return "applied";
  }

  /** Is this entry from a deposed leader of its PBX (a newer one has appended already)? Records it otherwise. */
  fromDeposedLeader(pbx: string, leaderEpoch: number): boolean {
    if (leaderEpoch < (this.leaderEpochs.get(pbx) ?? 0)) return true;
    this.leaderEpochs.set(pbx, leaderEpoch);
    return false;
  }

  load(snapshot: ReplicaSnapshot): void {
    this.epoch = snapshot.epoch;
    this.n = snapshot.n;
    this.awaitingSnapshot = false;
    this.states.clear();
    this.stalePbxs.clear();
    for (const state of snapshot.states) this.setState(state.extension, state);
    this.roster.load(snapshot.roster);
    this.directoryVersion++;
    this.links.clear();
    for (const [pbx, link] of Object.entries(snapshot.links)) this.links.set(pbx, link);
    for (const [pbx, epoch] of Object.entries(snapshot.leaderEpochs)) this.leaderEpochs.set(pbx, Math.max(epoch, this.leaderEpochs.get(pbx) ?? 0));
  }

  toSnapshot(): ReplicaSnapshot {
    return {
      epoch: this.epoch ?? "",
      seq: this.seq,
      n: this.n,
      states: this.list(),
      roster: this.roster.dump(),
      links: Object.fromEntries(this.links),
      leaderEpochs: Object.fromEntries(this.leaderEpochs),
    };
  }

  private setState(extension: string, state: AgentState | null): void {
    if (state) {
      this.states.set(extension, state);
      this.stalePbxs.set(state.pbx, state.stale);
    } else {
      this.states.delete(extension);
    }
  }

  private publish(change: AgentChange | null, ts: number): void {
    if (change) this.sink.publishChange({ kind: "change", ...change, ts, epoch: this.epoch ?? undefined });
  }
}
