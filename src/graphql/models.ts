// What resolvers receive for each GraphQL object type (codegen "mappers"): the domain's own types,
// mapped to the schema's shapes by field resolvers at this edge.
import type { Contact, QueueMembership, Presence, UnavailableReason } from "../domain/types.ts";
import type { StoredAgent } from "../domain/ports.ts";
import type { AgentView } from "../domain/agent/merge.ts";
import type { ChangeEvent, SnapshotEvent } from "../events/status-hub.ts";

export type ContactModel = Contact;
export type AgentModel = AgentView;
export type ExtensionModel = StoredAgent;
export type PresenceModel = Presence;
export type QueueMembershipModel = QueueMembership;
export type SnapshotModel = SnapshotEvent;
export type ChangeModel = ChangeEvent;

export interface AmiStatusModel {
  connected: boolean;
  synced: boolean;
  reconnects: number;
  lastEventAt: number | null;
  lastResyncAt: number | null;
  lastError: string | null;
  eventsProcessed: number;
  eventsIgnored: number;
  cacheHits: number;
  cacheMisses: number;
  pendingWrites: number;
  databaseUp: boolean;
  databaseError: string | null;
  oldestPendingWriteAgeMs: number | null;
  lastWriteError: string | null;
  lastWriteErrorAt: number | null;
  /** Queue data is known, or why not (read class `agent` missing, QueueStatus refused...). */
  queueDataAvailable: boolean;
  queueDataDetail: string | null;
  /** Several instances: this one's role and who leads (null: one process). */
  cluster: ClusterStatusModel | null;
  databaseMode: DatabaseModeModel;
  pbxs: PbxStatusModel[];
}

export interface PbxStatusModel {
  name: string;
  connected: boolean;
  synced: boolean;
  agents: number;
  reconnects: number;
  lastEventAt: number | null;
  lastResyncAt: number | null;
  lastError: string | null;
  collisions: Array<{ extension: string; owner: string }>;
  leader: string | null;
}

export type { ClusterStatus as ClusterStatusModel } from "../cluster/cluster-node.ts";
import type { ClusterStatus as ClusterStatusModel } from "../cluster/cluster-node.ts";

export type DatabaseModeModel = "EMBEDDED" | "POSTGRESQL" | "ASTERISK_REALTIME";

export type TransferRefusalModel = "UNKNOWN_EXTENSION" | "SAME_EXTENSION" | "NOT_AVAILABLE" | "STALE" | "NOT_IN_QUEUE";

export interface TransferCheckModel {
  ok: boolean;
  reason: TransferRefusalModel | null;
  message: string | null;
  agent: AgentModel | null;
  /** Every reason the agent cannot take the call (for the queue asked about). */
  reasons: UnavailableReason[];
}

/** A command sent to Asterisk (presence, DND, queue pause): accepted means Asterisk said Success. */
export interface CommandResultModel {
  accepted: boolean;
  message: string | null;
}
export type { Revocation as RevocationModel } from "../http/revocations.ts";
