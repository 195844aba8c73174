// The agent layer: a CRM user with several extensions (desk phone, softphone, WebRTC) is one agent.
// Their extensions' states merge by one priority; DND and presence on any extension hold for the
// person. An extension no user claims is an agent of its own, unchanged.
import { unavailableReasons } from "../availability.ts";
import type { DirectoryUser, StoredAgent } from "../ports.ts";
import type { AgentState, AgentStatus, Presence, UnavailableReason } from "../types.ts";

/** Which extension's state the merged agent shows: the first in this list that any extension has. */
export const MERGE_PRIORITY: readonly AgentStatus[] = ["RINGING", "ON_CALL", "BUSY", "ON_HOLD", "AVAILABLE", "UNREACHABLE", "OFFLINE"];

/** An agent as served: the merged state, who it is, and the per-extension detail. */
export interface AgentView extends StoredAgent {
  /** Stable global id: `user:<uuid>` for a CRM user, `ext:<extension>` for an extension no user claims. */
  id: string;
  /** The extensions' own states, main extension first (one element for a single extension). */
  extensions: StoredAgent[];
}

/** Users by extension, immutable; replaced as a whole when the CRM's users change. */
export class Directory {
  private readonly owners = new Map<string, DirectoryUser>();
  private readonly byKey = new Map<string, DirectoryUser>();
  readonly fingerprint: string;

  /**
   * `endpointNames`: display names of extensions by themselves (Asterisk's CallerID next to its realtime
   * tables), used when no user claims the extension.
   */
  constructor(
    readonly users: readonly DirectoryUser[] = [],
    private readonly endpointNames: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const user of users) {
      this.byKey.set(`user:${user.userId}`, user);
      for (const extension of user.extensions) if (!this.owners.has(extension)) this.owners.set(extension, user);
    }
    // Rows sorted as strings: sort() on arrays would stringify both rows on every comparison (~25 ms for
    // 2,000 users, on every periodic reload). Endpoint names the same way.
    const userRows = users.map((u) => JSON.stringify([u.userId, u.name, u.extensions])).sort().join("\n");
    const nameRows = [...endpointNames].map(([extension, name]) => JSON.stringify([extension, name])).sort().join("\n");
    this.fingerprint = shortHash(`${userRows}\n\n${nameRows}`);
  }

  /** The endpoint names as pairs (what rebuilds this directory elsewhere: a cluster's stream record). */
  get endpointNamePairs(): Array<[string, string]> {
    return [...this.endpointNames];
  }

  /** The name an extension no user claims goes by, if its endpoint has one. */
  endpointName(extension: string): string | null {
    return this.endpointNames.get(extension) ?? null;
  }

  ownerOf(extension: string): DirectoryUser | null {
    return this.owners.get(extension) ?? null;
  }

  /** The agent an extension belongs to. */
  keyOf(extension: string): string {
    const owner = this.owners.get(extension);
    return owner ? `user:${owner.userId}` : `ext:${extension}`;
  }

  /** The user behind an agent key (`user:<uuid>`), or null. */
  userOfKey(key: string): DirectoryUser | null {
    return this.byKey.get(key) ?? null;
  }

  /** Every extension of the agent that `extension` belongs to (itself alone when no user claims it). */
  siblingsOf(extension: string): readonly string[] {
    return this.owners.get(extension)?.extensions ?? [extension];
  }
}

/** One agent from the states of its extensions (in the owner's order; at least one). */
export function mergeAgent(owner: DirectoryUser | null, parts: readonly StoredAgent[], now: number): AgentView {
  const first = parts[0]!;
  if (!owner) return { ...first, id: `ext:${first.extension}`, extensions: [first] };
  const name = owner.name;
  if (parts.length === 1) return { ...first, name, userId: owner.userId, id: `user:${owner.userId}`, extensions: [first] };
  const lead = parts.reduce((best, part) => (MERGE_PRIORITY.indexOf(part.status) < MERGE_PRIORITY.indexOf(best.status) ? part : best));
  const presence = latestPresence(parts);
  const dnd = parts.some((p) => p.dnd);
  const queues = parts.flatMap((p) => p.queues);
  const stale = parts.some((p) => p.stale);
  const reasons: UnavailableReason[] = unavailableReasons({ status: lead.status, dnd, presence: presence?.state ?? null, queues, stale }, { queue: null, now });
  return {
    id: `user:${owner.userId}`,
    extension: first.extension,
    // A user's extensions may sit on several PBXs: the agent is said to be on its main extension's.
    pbx: first.pbx,
    name,
    userId: owner.userId,
    status: lead.status,
    online: parts.some((p) => p.online),
    available: reasons.length === 0,
    stale,
    reasons,
    dnd,
    presence,
    queues,
    deviceState: lead.deviceState,
    contacts: parts.flatMap((p) => p.contacts),
    lastSeen: maxOrNull(parts.map((p) => p.lastSeen)),
    updatedAt: Math.max(...parts.map((p) => p.updatedAt)),
    extensions: [...parts],
  };
}

/** Every agent from every extension's state, grouped by the directory (an agent per user or lone extension). */
export function groupAgents(states: readonly StoredAgent[], directory: Directory, now: number): AgentView[] {
  const groups = new Map<string, { owner: DirectoryUser | null; parts: StoredAgent[] }>();
  for (const state of states) {
    const key = directory.keyOf(state.extension);
    const group = groups.get(key) ?? { owner: directory.ownerOf(state.extension), parts: [] };
    group.parts.push(state);
    groups.set(key, group);
  }
  const agents: AgentView[] = [];
  for (const { owner, parts } of groups.values()) {
    if (owner && parts.length > 1) parts.sort((a, b) => owner.extensions.indexOf(a.extension) - owner.extensions.indexOf(b.extension));
    agents.push(mergeAgent(owner, parts, now));
  }
  return agents;
}

/** The agent's answer for one queue (or for the agent as a whole with null). */
export function reasonsFor(agent: AgentState, queue: string | null, now: number): UnavailableReason[] {
  return unavailableReasons({ status: agent.status, dnd: agent.dnd, presence: agent.presence?.state ?? null, queues: agent.queues, stale: agent.stale }, { queue, now });
}

/** The same state seen with another staleness (the reader learns it later than the state was stored). */
export function withStaleness<T extends AgentState>(state: T, stale: boolean): T {
  if (state.stale === stale) return state;
  const reasons: UnavailableReason[] = state.reasons.filter((r) => r !== "STALE");
  if (stale) reasons.push("STALE");
  return { ...state, stale, reasons, available: reasons.length === 0 };
}

/** FNV-1a, 32 bits: a short key for memos (no crypto needed, and the domain imports nothing of Node). */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return `${text.length.toString(36)}-${(hash >>> 0).toString(36)}`;
}

function latestPresence(parts: readonly AgentState[]): Presence | null {
  let latest: Presence | null = null;
  for (const part of parts) if (part.presence && (!latest || part.presence.since > latest.since)) latest = part.presence;
  return latest;
}

function maxOrNull(values: ReadonlyArray<number | null>): number | null {
  let max: number | null = null;
  for (const v of values) if (v !== null && (max === null || v > max)) max = v;
  return max;
}
