// The public GraphQL API as the suite reads it: documents and the shapes they return.
export type AgentStatus = "AVAILABLE" | "RINGING" | "ON_CALL" | "BUSY" | "ON_HOLD" | "UNREACHABLE" | "OFFLINE";

export interface AgentView {
  extension: string;
  status: AgentStatus;
  online: boolean;
  available: boolean;
  stale: boolean;
  deviceState: string | null;
  contacts: Array<{ id: string; uri: string; status: string }>;
}

export interface AmiStatusView {
  connected: boolean;
  synced: boolean;
  reconnects: number;
  lastError: string | null;
  lastResyncAt: string | null;
}

export const AGENTS_QUERY = /* GraphQL */ `
  query Agents {
    agents { extension status online available stale deviceState contacts { id uri status } }
  }
`;

export const AMI_STATUS_QUERY = /* GraphQL */ `
  query AmiStatus { amiStatus { connected synced reconnects lastError lastResyncAt } }
`;

/** Snapshot first, then one delta per change (see schema.graphql). */
export const AGENT_STATUS_SUBSCRIPTION = /* GraphQL */ `
  subscription AgentStatus($extensions: [ID!]) {
    agentStatus(extensions: $extensions) {
      __typename
      ... on AgentsSnapshot { seq ts agents { extension status online available stale } }
      ... on AgentStatusChanged { seq extension status online available stale removed ts }
    }
  }
`;

/** What the stream says about one agent (a snapshot row or the latest delta). */
export interface StreamAgent {
  extension: string;
  status: AgentStatus;
  online: boolean;
  available: boolean;
  stale: boolean;
}

export interface SnapshotEvent {
  __typename: "AgentsSnapshot";
  seq: number;
  ts: string;
  agents: StreamAgent[];
}

export interface DeltaEvent extends StreamAgent {
  __typename: "AgentStatusChanged";
  seq: number;
  removed: boolean;
  ts: string;
}

export type AgentStatusEvent = SnapshotEvent | DeltaEvent;
