// The PBXs one deployment watches, each with its own AMI bridge, tracker and service (built in app.ts),
// seen from the rest of the service: the live state of every extension from its own PBX's tracker (each
// PBX stale or fresh on its own), commands sent to the PBX the extension is on, and each PBX's status.
import type { AmiBridge, AmiBridgeStats } from "../ami/ami-bridge.ts";
import type { LiveState } from "../cache/agent-reader.ts";
import type { Collision, ExtensionOwners } from "../domain/pbx/extension-owners.ts";
import type { AvailabilityTracker } from "../domain/tracker.ts";
import type { AgentState } from "../domain/types.ts";
import type { AvailabilityService, ResyncResult } from "./availability-service.ts";

export interface PbxMember {
  name: string;
  tracker: AvailabilityTracker;
  service: AvailabilityService;
  bridge: AmiBridge;
}

export interface PbxStatus {
  name: string;
  connected: boolean;
  /** Logged in and resynced since: its agents are fresh. */
  synced: boolean;
  agents: number;
  ami: AmiBridgeStats;
  /** Extensions this PBX reports that another PBX owns (not served from this one). */
  collisions: Collision[];
}

export class PbxFleet implements LiveState {
  private readonly byName: ReadonlyMap<string, PbxMember>;

  constructor(
    readonly members: readonly [PbxMember, ...PbxMember[]],
    private readonly owners: ExtensionOwners,
  ) {
    this.byName = new Map(members.map((member) => [member.name, member]));
  }

  /** The first configured PBX: the only one of a one-PBX deployment, and the home of rows stored without a PBX. */
  get first(): PbxMember {
    return this.members[0];
  }

  /** The PBX an extension is on (its owner), or null when no PBX reports it. */
  memberOf(extension: string): PbxMember | null {
    const owner = this.owners.ownerOf(extension);
    return owner === null ? null : (this.byName.get(owner) ?? null);
  }

  /** The persisted states at start-up, each to its own PBX; rows of no configured PBX (stored before AMI_PBXS, or of a
   * PBX since removed) go to the first, whose first resync drops those it does not report. */
  restore(states: readonly AgentState[]): void {
    const home = (state: AgentState) => (this.byName.has(state.pbx) ? state.pbx : this.first.name);
    for (const member of this.members) member.service.restore(states.filter((state) => home(state) === member.name && this.owners.claim(member.name, state.extension)));
  }

  get isConnected(): boolean {
    return this.members.every((member) => member.service.isConnected);
  }

  get isSynced(): boolean {
    return this.members.every((member) => member.service.isSynced);
  }

  // LiveState, over every PBX's tracker.
  get(extension: string): AgentState | null {
    return this.memberOf(extension)?.tracker.get(extension) ?? null;
  }

  list(): AgentState[] {
    return this.members.length === 1 ? this.first.tracker.list() : this.members.flatMap((member) => member.tracker.list());
  }

  extensions(): Iterable<string> {
    return this.members.flatMap((member) => [...member.tracker.extensions()]);
  }

  /** Some PBX's agents are stale (per agent: staleOf). */
  get isStale(): boolean {
    return this.members.some((member) => member.tracker.isStale);
  }

  get hasSynced(): boolean {
    return this.members.every((member) => member.tracker.hasSynced);
  }

  staleOf(extension: string): boolean {
    return (this.memberOf(extension) ?? this.first).tracker.isStale;
  }

  /** A resync of every PBX that is logged in (all of them when none is: each says why it cannot). */
  async refresh(): Promise<ResyncResult> {
    const connected = this.members.filter((member) => member.service.isConnected);
    const asked = connected.length > 0 ? connected : this.members;
    const results = await Promise.all(asked.map((member) => member.service.nextSnapshot(() => member.bridge.refresh())));
    return { changed: results.flatMap((result) => result.changed), agents: Math.max(...results.map((result) => result.agents)), ts: Math.max(...results.map((result) => result.ts)) };
  }

  statuses(): PbxStatus[] {
    return this.members.map((member) => ({
      name: member.name,
      connected: member.service.isConnected,
      synced: member.service.isSynced,
      agents: member.tracker.size,
      ami: member.bridge.stats(),
      collisions: this.owners.collisionsOf(member.name),
    }));
  }
}

/** Several PBXs' AMI stats as one: counters summed, latest times, connected/synced/queue data only when every PBX's is; errors named by PBX. One PBX: its own stats. */
export function combinedStats(all: ReadonlyArray<{ name: string; stats: AmiBridgeStats }>): AmiBridgeStats {
  if (all.length === 1) return all[0]!.stats;
  const stats = all.map((one) => one.stats);
  const sum = (pick: (s: AmiBridgeStats) => number) => stats.reduce((total, s) => total + pick(s), 0);
  const latest = (pick: (s: AmiBridgeStats) => number | null) => stats.reduce<number | null>((max, s) => (pick(s) !== null && (max === null || pick(s)! > max) ? pick(s) : max), null);
  const named = (pick: (s: AmiBridgeStats) => string | null) => all.filter((one) => pick(one.stats) !== null).map((one) => `${one.name}: ${pick(one.stats)}`).join("; ") || null;
  return {
    connected: stats.every((s) => s.connected),
    synced: stats.every((s) => s.synced),
    resyncing: stats.some((s) => s.resyncing),
    reconnects: sum((s) => s.reconnects),
    lastEventAt: latest((s) => s.lastEventAt),
    lastResyncAt: latest((s) => s.lastResyncAt),
    lastError: named((s) => s.lastError),
    eventsProcessed: sum((s) => s.eventsProcessed),
    eventsIgnored: sum((s) => s.eventsIgnored),
    malformed: sum((s) => s.malformed),
    resyncs: sum((s) => s.resyncs),
    resyncFailures: sum((s) => s.resyncFailures),
    queueData: { available: stats.every((s) => s.queueData.available), detail: named((s) => s.queueData.detail) },
  };
}
