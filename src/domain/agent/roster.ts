// The agents as dashboards see them, kept live: every extension's latest state grouped by the
// directory (users ↔ extensions) into agents, with one sequence number per published agent change.
// Pure and synchronous; the service feeds it the tracker's changes and the directory's reloads.
import type { Clock } from "../tracker.ts";
import type { AgentState, AgentStatus } from "../types.ts";
import type { DirectoryUser, StoredAgent } from "../ports.ts";
import { Directory, mergeAgent, type AgentView } from "./merge.ts";
import { sameFields, sameList } from "../same.ts";

export interface AgentChange {
  /** +1 per published change: subscribers detect gaps with it. */
  seq: number;
  /** The agent's main extension. */
  extension: string;
  /** Every extension of the agent (a subscription watching any of them wants this change). */
  extensions: readonly string[];
  /** The new state; for a removed agent, its last one. */
  agent: AgentView;
  removed: boolean;
  previous: { status: AgentStatus; online: boolean; available: boolean } | null;
}

/** Everything a roster holds, as plain data: another roster loaded from it continues exactly alike (same views, same `seq`). */
export interface RosterDump {
  users: DirectoryUser[];
  endpointNames: Array<[string, string]>;
  states: StoredAgent[];
  agents: Array<[string, AgentView]>;
  seq: number;
}

export class AgentRoster {
  private directory = new Directory();
  private readonly states = new Map<string, StoredAgent>();
  /** The published agents by key. */
  private readonly agents = new Map<string, AgentView>();
  private seq = 0;

  constructor(private readonly now: Clock = Date.now) {}

  get lastSeq(): number {
    return this.seq;
  }

  get currentDirectory(): Directory {
    return this.directory;
  }

  /** How many agents there are. */
  get size(): number {
    return this.agents.size;
  }

  /** Every agent, in no particular order. */
  views(): AgentView[] {
    return [...this.agents.values()];
  }

  /** The agent an extension belongs to, or null when Asterisk does not report it. */
  agentOf(extension: string): AgentView | null {
    return this.agents.get(this.directory.keyOf(extension)) ?? null;
  }

  /**
   * An extension's new state (null: gone from Asterisk) → the change of its agent, if one is published.
   * `published`: the tracker already knows that something a dashboard shows changed, which for an agent
   * of one extension (its user's only one, or no user's) is the answer (no comparison on this hot path).
   */
  apply(extension: string, state: AgentState | null, published = false): AgentChange | null {
    if (state) this.states.set(extension, this.named(state));
    else this.states.delete(extension);
    const key = this.directory.keyOf(extension);
    // An agent of one extension (alone, or its user's only one) changes exactly when the tracker says.
    const lone = key.startsWith("ext:") || this.directory.siblingsOf(extension).length === 1;
    return this.recomputeKey(key, extension, published && lone);
  }

  /** Start again from these extension states, continuing the sequence after `seq` (a new AMI reader in a cluster). */
  reset(states: readonly AgentState[], seq: number): void {
    this.states.clear();
    this.agents.clear();
    for (const state of states) this.apply(state.extension, state);
    this.seq = seq;
  }

  dump(): RosterDump {
    return {
      users: [...this.directory.users],
      endpointNames: this.directory.endpointNamePairs,
      states: [...this.states.values()],
      agents: [...this.agents],
      seq: this.seq,
    };
  }

  /** Replaces everything with a dump (a cluster replica taking a snapshot). */
  load(dump: RosterDump): void {
    this.directory = new Directory(dump.users, new Map(dump.endpointNames));
    this.states.clear();
    for (const state of dump.states) this.states.set(state.extension, state);
    this.agents.clear();
    for (const [key, view] of dump.agents) this.agents.set(key, view);
    this.seq = dump.seq;
  }

  /** The CRM's users changed: regroup, and publish every agent that changed (or appeared, or went). */
  setDirectory(directory: Directory): AgentChange[] {
    if (directory.fingerprint === this.directory.fingerprint) return [];
    const before = this.directory;
    this.directory = directory;
    // Only the extensions whose owner or name changed: a CRM adding one user must not regroup (and block
    // the event loop for) every agent. Asterisk drops an AMI reader that stops reading for its writetimeout.
    const keys = new Set<string>();
    for (const [extension, state] of this.states) {
      if (sameOwner(before.ownerOf(extension), directory.ownerOf(extension)) && before.endpointName(extension) === directory.endpointName(extension)) continue;
      this.states.set(extension, this.named(state));
      keys.add(before.keyOf(extension));
      keys.add(directory.keyOf(extension));
    }
    const changes: AgentChange[] = [];
    // Agents that went first: a subscriber keyed by main extension must not see the new user agent of
    // 1001 and then the removal of the lone agent 1001.
    // By key (not a scan of the users per key, inside the sort: seconds of blocked loop for 2,000 users).
    const gone = (key: string) => (key.startsWith("ext:") ? directory.keyOf(key.slice(4)) !== key : directory.userOfKey(key) === null);
    const goneFirst = [...keys].filter(gone);
    for (const key of [...goneFirst, ...[...keys].filter((key) => !gone(key))]) {
      const change = this.recomputeKey(key);
      if (change) changes.push(change);
    }
    return changes;
  }

  private recomputeKey(key: string, hint?: string, knownChanged = false): AgentChange | null {
    const parts = this.partsOf(key, hint);
    const old = this.agents.get(key);
    if (parts.length === 0) {
      if (!old) return null;
      this.agents.delete(key);
      return { seq: ++this.seq, extension: old.extension, extensions: old.extensions.map((e) => e.extension), agent: old, removed: true, previous: flags(old) };
    }
    const owner = key.startsWith("user:") ? this.directory.ownerOf(parts[0]!.extension) : null;
    const view = mergeAgent(owner, parts, this.now());
    this.agents.set(key, view);
    if (old && !knownChanged && samePublished(old, view)) return null;
    return { seq: ++this.seq, extension: view.extension, extensions: view.extensions.map((e) => e.extension), agent: view, removed: false, previous: old ? flags(old) : null };
  }

  private partsOf(key: string, hint?: string): StoredAgent[] {
    if (key.startsWith("ext:")) {
      const extension = key.slice(4);
      // An extension a user now claims is no longer an agent of its own.
      const state = this.directory.ownerOf(extension) ? undefined : this.states.get(extension);
      return state ? [state] : [];
    }
    // By key, not by scanning the users: a reload of thousands of users regroups in linear time.
    const extensions = hint ? this.directory.siblingsOf(hint) : (this.directory.userOfKey(key)?.extensions ?? []);
    return extensions.map((e) => this.states.get(e)).filter((s): s is StoredAgent => s !== undefined);
  }

  private named(state: AgentState): StoredAgent {
    const owner = this.directory.ownerOf(state.extension);
    return { ...state, name: owner?.name ?? this.directory.endpointName(state.extension), userId: owner?.userId ?? null };
  }
}

/** The same user, named the same, with the same extensions in the same order (or no user for both). */
function sameOwner(a: DirectoryUser | null, b: DirectoryUser | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.userId !== b.userId || a.name !== b.name || a.extensions.length !== b.extensions.length) return false;
  return a.extensions.every((extension, i) => extension === b.extensions[i]);
}

/** What a dashboard shows of an agent is the same: a change of anything compared here is a delta. */
function samePublished(a: AgentView, b: AgentView): boolean {
  return (
    a.extension === b.extension &&
    a.name === b.name &&
    a.status === b.status &&
    a.online === b.online &&
    a.available === b.available &&
    a.stale === b.stale &&
    a.dnd === b.dnd &&
    sameList(a.reasons, b.reasons) &&
    sameFields(a.presence, b.presence) &&
    sameList(a.queues, b.queues, sameFields) &&
    // The per-extension detail only for an agent of several (one extension's is the agent's own).
    (a.extensions.length === 1 && b.extensions.length === 1 ? true : sameList(a.extensions, b.extensions, sameDetail))
  );
}

function sameDetail(a: StoredAgent, b: StoredAgent): boolean {
  return a.extension === b.extension && a.status === b.status && a.online === b.online && a.available === b.available;
}

function flags(view: AgentView): { status: AgentStatus; online: boolean; available: boolean } {
  return { status: view.status, online: view.online, available: view.available };
}
