/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment AgentFields on Agent {\n    id\n    extension\n    name\n    status\n    available\n    reasons\n    dnd\n    stale\n    updatedAt\n    presence { state subtype message since }\n    queues { queue paused pausedReason wrapUpUntil }\n    extensions { extension status online }\n    contacts { id uri status roundtripUsec userAgent }\n  }\n": typeof types.AgentFieldsFragmentDoc,
    "\n  subscription LiveAgents {\n    agentStatus {\n      __typename\n      ... on AgentsSnapshot { epoch seq agents { ...AgentFields } }\n      ... on AgentStatusChanged { epoch seq removed agent { ...AgentFields } }\n    }\n  }\n": typeof types.LiveAgentsDocument,
    "\n  query FloorStatus {\n    queues { queue members available paused inWrapUp }\n    amiStatus { connected synced lastError lastEventAt }\n  }\n": typeof types.FloorStatusDocument,
    "\n  query AvailableAgents($exclude: [ID!], $queue: String) {\n    availableAgents(exclude: $exclude, queue: $queue) { id extension name status }\n  }\n": typeof types.AvailableAgentsDocument,
    "\n  query CanTransfer($to: ID!, $from: ID, $queue: String) {\n    canTransfer(to: $to, from: $from, queue: $queue) { ok reason reasons message agent { id name extension } }\n  }\n": typeof types.CanTransferDocument,
};
const documents: Documents = {
    "\n  fragment AgentFields on Agent {\n    id\n    extension\n    name\n    status\n    available\n    reasons\n    dnd\n    stale\n    updatedAt\n    presence { state subtype message since }\n    queues { queue paused pausedReason wrapUpUntil }\n    extensions { extension status online }\n    contacts { id uri status roundtripUsec userAgent }\n  }\n": types.AgentFieldsFragmentDoc,
    "\n  subscription LiveAgents {\n    agentStatus {\n      __typename\n      ... on AgentsSnapshot { epoch seq agents { ...AgentFields } }\n      ... on AgentStatusChanged { epoch seq removed agent { ...AgentFields } }\n    }\n  }\n": types.LiveAgentsDocument,
    "\n  query FloorStatus {\n    queues { queue members available paused inWrapUp }\n    amiStatus { connected synced lastError lastEventAt }\n  }\n": types.FloorStatusDocument,
    "\n  query AvailableAgents($exclude: [ID!], $queue: String) {\n    availableAgents(exclude: $exclude, queue: $queue) { id extension name status }\n  }\n": types.AvailableAgentsDocument,
    "\n  query CanTransfer($to: ID!, $from: ID, $queue: String) {\n    canTransfer(to: $to, from: $from, queue: $queue) { ok reason reasons message agent { id name extension } }\n  }\n": types.CanTransferDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AgentFields on Agent {\n    id\n    extension\n    name\n    status\n    available\n    reasons\n    dnd\n    stale\n    updatedAt\n    presence { state subtype message since }\n    queues { queue paused pausedReason wrapUpUntil }\n    extensions { extension status online }\n    contacts { id uri status roundtripUsec userAgent }\n  }\n"): typeof import('./graphql').AgentFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveAgents {\n    agentStatus {\n      __typename\n      ... on AgentsSnapshot { epoch seq agents { ...AgentFields } }\n      ... on AgentStatusChanged { epoch seq removed agent { ...AgentFields } }\n    }\n  }\n"): typeof import('./graphql').LiveAgentsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FloorStatus {\n    queues { queue members available paused inWrapUp }\n    amiStatus { connected synced lastError lastEventAt }\n  }\n"): typeof import('./graphql').FloorStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AvailableAgents($exclude: [ID!], $queue: String) {\n    availableAgents(exclude: $exclude, queue: $queue) { id extension name status }\n  }\n"): typeof import('./graphql').AvailableAgentsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CanTransfer($to: ID!, $from: ID, $queue: String) {\n    canTransfer(to: $to, from: $from, queue: $queue) { ok reason reasons message agent { id name extension } }\n  }\n"): typeof import('./graphql').CanTransferDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
