// What a CRM front-end asks: the same documents for Apollo Client and urql, nothing client-specific.
export const AGENT_FIELDS = "id extension name status available reasons dnd stale";

export const AGENTS = `query Agents { agents { ${AGENT_FIELDS} } }`;

export const LIVE = `subscription Live { agentStatus {
  __typename
  ... on AgentsSnapshot { epoch seq agents { ${AGENT_FIELDS} } }
  ... on AgentStatusChanged { epoch seq removed agent { ${AGENT_FIELDS} } }
} }`;

export const AVAILABLE = `query Available($queue: String) { availableAgents(queue: $queue) { id extension name } }`;

export const CAN_TRANSFER = `query CanTransfer($to: ID!, $from: ID) { canTransfer(to: $to, from: $from) { ok reason reasons message } }`;

export interface PageAgent {
  id: string;
  extension: string;
  name: string | null;
  status: string;
  available: boolean;
  reasons: string[];
  dnd: boolean;
  stale: boolean;
}

export interface LiveEvent {
  __typename: "AgentsSnapshot" | "AgentStatusChanged";
  epoch: string;
  seq: number;
}

export interface TransferCheck {
  ok: boolean;
  reason: string | null;
  reasons: string[];
  message: string | null;
}
