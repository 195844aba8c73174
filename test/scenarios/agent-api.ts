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

// ---- the agent layers (issue 7): presence, DND, queues, agents with several extensions ----

export type UnavailableReason =
  | "OFFLINE" | "UNREACHABLE" | "RINGING" | "ON_CALL" | "BUSY" | "ON_HOLD"
  | "DND" | "AWAY" | "EXTENDED_AWAY" | "PRESENCE_UNAVAILABLE" | "PAUSED" | "WRAP_UP" | "NOT_IN_QUEUE" | "STALE";

export interface PresenceView {
  state: "NOT_SET" | "UNAVAILABLE" | "AVAILABLE" | "AWAY" | "XA" | "CHAT" | "DND";
  subtype: string | null;
  message: string | null;
  since: string;
}

export interface QueueMembershipView {
  queue: string;
  memberName: string | null;
  interface: string;
  paused: boolean;
  pausedReason: string | null;
  pausedSince: string | null;
  callsTaken: number;
  lastCall: string | null;
  wrapUpUntil: string | null;
  inWrapUp: boolean;
}

export interface ExtensionDetailView {
  extension: string;
  status: AgentStatus;
  online: boolean;
  available: boolean;
  reasons: UnavailableReason[];
  dnd: boolean;
  presence: PresenceView | null;
}

/** An agent with every layer (the `agents` query and the snapshot/delta `agent` field). */
export interface AgentLayersView {
  id: string;
  extension: string;
  userId: string | null;
  name: string | null;
  status: AgentStatus;
  online: boolean;
  available: boolean;
  stale: boolean;
  reasons: UnavailableReason[];
  dnd: boolean;
  presence: PresenceView | null;
  queues: QueueMembershipView[];
  extensions: ExtensionDetailView[];
}

const PRESENCE_FIELDS = "state subtype message since";
const QUEUE_FIELDS = "queue memberName interface paused pausedReason pausedSince callsTaken lastCall wrapUpUntil inWrapUp";
export const AGENT_LAYER_FIELDS = `id extension userId name status online available stale reasons dnd presence { ${PRESENCE_FIELDS} } queues { ${QUEUE_FIELDS} } extensions { extension status online available reasons dnd presence { ${PRESENCE_FIELDS} } }`;

export const AGENT_LAYERS_QUERY = /* GraphQL */ `
  query AgentLayers($queue: String) { agents(queue: $queue) { ${AGENT_LAYER_FIELDS} } }
`;

export const AVAILABLE_AGENTS_QUERY = /* GraphQL */ `
  query AvailableAgents($queue: String, $exclude: [ID!]) { availableAgents(queue: $queue, exclude: $exclude) { id extension } }
`;

export interface TransferCheckView {
  ok: boolean;
  reason: "UNKNOWN_EXTENSION" | "SAME_EXTENSION" | "NOT_AVAILABLE" | "STALE" | "NOT_IN_QUEUE" | null;
  reasons: UnavailableReason[];
  message: string | null;
}

export const CAN_TRANSFER_QUERY = /* GraphQL */ `
  query CanTransfer($to: ID!, $from: ID, $queue: String) { canTransfer(to: $to, from: $from, queue: $queue) { ok reason reasons message } }
`;

export const QUEUES_QUERY = /* GraphQL */ `
  query Queues { queues { queue members available paused inWrapUp } }
`;

export const AMI_QUEUE_STATUS_QUERY = /* GraphQL */ `
  query AmiQueueStatus { amiStatus { connected synced queueDataAvailable queueDataDetail } }
`;

export const SET_DND_MUTATION = /* GraphQL */ `
  mutation SetDnd($extension: ID!, $on: Boolean!) { setDnd(extension: $extension, on: $on) { accepted message } }
`;

export const SET_PRESENCE_MUTATION = /* GraphQL */ `
  mutation SetPresence($extension: ID!, $state: PresenceState!, $subtype: String, $message: String) {
    setPresence(extension: $extension, state: $state, subtype: $subtype, message: $message) { accepted message }
  }
`;

export const PAUSE_AGENT_MUTATION = /* GraphQL */ `
  mutation PauseAgent($extension: ID!, $queue: String, $reason: String) { pauseAgent(extension: $extension, queue: $queue, reason: $reason) { accepted message } }
`;

export const UNPAUSE_AGENT_MUTATION = /* GraphQL */ `
  mutation UnpauseAgent($extension: ID!, $queue: String) { unpauseAgent(extension: $extension, queue: $queue) { accepted message } }
`;

export const REFRESH_MUTATION = /* GraphQL */ `
  mutation Refresh { refreshStatuses { agents ts } }
`;

/** Snapshot first, then one delta per change (see schema.graphql). */
export const AGENT_STATUS_SUBSCRIPTION = /* GraphQL */ `
  subscription AgentStatus($extensions: [ID!]) {
    agentStatus(extensions: $extensions) {
      __typename
      ... on AgentsSnapshot { seq ts agents { extension status online available stale reasons } }
      ... on AgentStatusChanged {
        seq extension status online available stale removed ts reasons dnd extensions
        presence { ${PRESENCE_FIELDS} } queues { ${QUEUE_FIELDS} } agent { id extensions { extension status } }
      }
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
  reasons: UnavailableReason[];
  dnd: boolean;
  /** Every extension of the agent. */
  extensions: string[];
  presence: PresenceView | null;
  queues: QueueMembershipView[];
  /** The changed agent: its id and per-extension phone states. */
  agent: { id: string; extensions: Array<{ extension: string; status: AgentStatus }> };
}

export type AgentStatusEvent = SnapshotEvent | DeltaEvent;
