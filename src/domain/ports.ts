// The interfaces the domain needs from the outside world; adapters (store, AMI, pubsub) implement them.
import type { AgentState, AsteriskSnapshot, Fact } from "./types.ts";

/** One extension to persist: its whole current state (last state wins), or null when Asterisk removed it. */
export interface ExtensionWrite {
  extension: string;
  state: AgentState | null;
  /** When this state became true (epoch ms; default: when it was queued). Stores never replace a newer state with an older one. */
  at?: number;
}

/** An agent as stored: the tracker's state plus CRM data (the user's name). `stale` is decided by the reader. */
export interface StoredAgent extends AgentState {
  name: string | null;
  userId: string | null;
}

/** A CRM user and the extensions they answer on, main extension first. */
export interface DirectoryUser {
  userId: string;
  name: string;
  extensions: string[];
}

/** What the store knows of an agent and the live state does not. */
export interface CrmFields {
  name: string | null;
  userId: string | null;
}

export interface StatusStore {
  /** Set-based: upsert endpoints and contacts, delete contacts (and endpoints) Asterisk no longer has. */
  writeExtensions(writes: readonly ExtensionWrite[]): Promise<void>;
  loadAll(): Promise<StoredAgent[]>;
  /** The CRM fields of every stored agent (what a reload needs once the live state has every status). */
  loadCrmFields(): Promise<Map<string, CrmFields>>;
  loadByExtensions(extensions: readonly string[]): Promise<Map<string, StoredAgent>>;
  /** Users with at least one extension (users.extension first, then user_extensions). */
  loadDirectory(): Promise<DirectoryUser[]>;
  /** Display names of endpoints by extension (next to Asterisk's realtime tables: from ps_endpoints.callerid). */
  loadEndpointNames(): Promise<Map<string, string>>;
  /** Throws when the database is unreachable. */
  ping(): Promise<void>;
}

/** What the AMI side delivers to the rest of the service. */
export interface AmiListener {
  onFact(fact: Fact): void;
  /** A full resync finished: the snapshot replaces everything. */
  onSnapshot(snapshot: AsteriskSnapshot): void;
  /** Logged in (true) or connection lost / login failed (false). */
  onConnectionChange(connected: boolean, reason?: string): void;
}

/** Structured logging as the domain-facing adapters need it (pino satisfies it). */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Log;
}
