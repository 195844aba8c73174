// What resolvers receive for each GraphQL object type (codegen "mappers").
import type { Contact } from "../domain/types.ts";

export type ContactModel = Contact;
import type { StoredAgent } from "../domain/ports.ts";

export type AgentModel = StoredAgent;

export interface SnapshotModel {
  kind: "snapshot";
  agents: AgentModel[];
  seq: number;
  ts: number;
}

export interface ChangeModel {
  kind: "change";
  extension: string;
  status: AgentModel["status"];
  online: boolean;
  available: boolean;
  stale: boolean;
  removed: boolean;
  seq: number;
  ts: number;
}

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
}

export interface TransferCheckModel {
  ok: boolean;
  reason: "UNKNOWN_EXTENSION" | "SAME_EXTENSION" | "NOT_AVAILABLE" | "STALE" | null;
  message: string | null;
  agent: AgentModel | null;
}
