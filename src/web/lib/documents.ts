// Every GraphQL operation the wallboard sends. `npm run codegen` turns each into a typed document
// (src/web/gql); the types of results and variables come from schema.graphql.
import { graphql } from "../gql/index.ts";

export const AgentFields = graphql(`
  fragment AgentFields on Agent {
    id
    extension
    name
    status
    available
    reasons
    dnd
    stale
    updatedAt
    presence { state subtype message since }
    queues { queue paused pausedReason wrapUpUntil }
    extensions { extension status online }
    contacts { id uri status roundtripUsec userAgent }
  }
`);

export const LiveAgentsDocument = graphql(`
  subscription LiveAgents {
    agentStatus {
      __typename
      ... on AgentsSnapshot { epoch seq agents { ...AgentFields } }
      ... on AgentStatusChanged { epoch seq removed agent { ...AgentFields } }
    }
  }
`);

export const FloorStatusDocument = graphql(`
  query FloorStatus {
    queues { queue members available paused inWrapUp }
    amiStatus { connected synced lastError lastEventAt }
  }
`);

export const AvailableAgentsDocument = graphql(`
  query AvailableAgents($exclude: [ID!], $queue: String) {
    availableAgents(exclude: $exclude, queue: $queue) { id extension name status }
  }
`);

export const CanTransferDocument = graphql(`
  query CanTransfer($to: ID!, $from: ID, $queue: String) {
    canTransfer(to: $to, from: $from, queue: $queue) { ok reason reasons message agent { id name extension } }
  }
`);
