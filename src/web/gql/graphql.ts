/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AgentStatus =
  | 'AVAILABLE'
  | 'BUSY'
  | 'OFFLINE'
  | 'ON_CALL'
  | 'ON_HOLD'
  | 'RINGING'
  | 'UNREACHABLE';

/** Asterisk's presence states (func_presencestate). */
export type PresenceState =
  | 'AVAILABLE'
  | 'AWAY'
  | 'CHAT'
  | 'DND'
  | 'NOT_SET'
  | 'UNAVAILABLE'
  | 'XA';

export type TransferRefusal =
  | 'NOT_AVAILABLE'
  /** The agent is not a member of the queue asked about. */
  | 'NOT_IN_QUEUE'
  | 'SAME_EXTENSION'
  | 'STALE'
  | 'UNKNOWN_EXTENSION';

/** Why an agent cannot take a call now (README, "Availability"). */
export type UnavailableReason =
  /** Presence `away`. */
  | 'AWAY'
  | 'BUSY'
  /** DND on: the DND toggle device (FreePBX `Custom:DND<ext>`) is BUSY, or presence is `dnd`. */
  | 'DND'
  /** Presence `xa` (extended away). */
  | 'EXTENDED_AWAY'
  /** Not a member of the queue asked about. */
  | 'NOT_IN_QUEUE'
  | 'OFFLINE'
  | 'ON_CALL'
  | 'ON_HOLD'
  /** Paused in the queue asked about; without a queue: paused in every queue the agent belongs to. */
  | 'PAUSED'
  /** Presence `unavailable`. */
  | 'PRESENCE_UNAVAILABLE'
  | 'RINGING'
  /** AMI is down or not yet synced: the state is the last known one. */
  | 'STALE'
  | 'UNREACHABLE'
  /** Inside the wrap-up window after a queue call (LastCall + the queue's wrapuptime). */
  | 'WRAP_UP';

export type AgentFieldsFragment = { id: string, extension: string, name: string | null, status: AgentStatus, available: boolean, reasons: Array<UnavailableReason>, dnd: boolean, stale: boolean, updatedAt: string, presence: { state: PresenceState, subtype: string | null, message: string | null, since: string } | null, queues: Array<{ queue: string, paused: boolean, pausedReason: string | null, wrapUpUntil: string | null }>, extensions: Array<{ extension: string, status: AgentStatus, online: boolean }>, contacts: Array<{ id: string, uri: string, status: string, roundtripUsec: number | null, userAgent: string | null }> };

export type LiveAgentsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type LiveAgentsSubscription = { agentStatus:
    | { __typename: 'AgentStatusChanged', epoch: string, seq: number, removed: boolean, agent: { id: string, extension: string, name: string | null, status: AgentStatus, available: boolean, reasons: Array<UnavailableReason>, dnd: boolean, stale: boolean, updatedAt: string, presence: { state: PresenceState, subtype: string | null, message: string | null, since: string } | null, queues: Array<{ queue: string, paused: boolean, pausedReason: string | null, wrapUpUntil: string | null }>, extensions: Array<{ extension: string, status: AgentStatus, online: boolean }>, contacts: Array<{ id: string, uri: string, status: string, roundtripUsec: number | null, userAgent: string | null }> } }
    | { __typename: 'AgentsSnapshot', epoch: string, seq: number, agents: Array<{ id: string, extension: string, name: string | null, status: AgentStatus, available: boolean, reasons: Array<UnavailableReason>, dnd: boolean, stale: boolean, updatedAt: string, presence: { state: PresenceState, subtype: string | null, message: string | null, since: string } | null, queues: Array<{ queue: string, paused: boolean, pausedReason: string | null, wrapUpUntil: string | null }>, extensions: Array<{ extension: string, status: AgentStatus, online: boolean }>, contacts: Array<{ id: string, uri: string, status: string, roundtripUsec: number | null, userAgent: string | null }> }> }
   };

export type FloorStatusQueryVariables = Exact<{ [key: string]: never; }>;


export type FloorStatusQuery = { queues: Array<{ queue: string, members: number, available: number, paused: number, inWrapUp: number }>, amiStatus: { connected: boolean, synced: boolean, lastError: string | null, lastEventAt: string | null } };

export type AvailableAgentsQueryVariables = Exact<{
  exclude?: Array<string | number> | string | number | null | undefined;
  queue?: string | null | undefined;
}>;


export type AvailableAgentsQuery = { availableAgents: Array<{ id: string, extension: string, name: string | null, status: AgentStatus }> };

export type CanTransferQueryVariables = Exact<{
  to: string | number;
  from?: string | number | null | undefined;
  queue?: string | null | undefined;
}>;


export type CanTransferQuery = { canTransfer: { ok: boolean, reason: TransferRefusal | null, reasons: Array<UnavailableReason>, message: string | null, agent: { id: string, name: string | null, extension: string } | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const AgentFieldsFragmentDoc = new TypedDocumentString(`
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
  presence {
    state
    subtype
    message
    since
  }
  queues {
    queue
    paused
    pausedReason
    wrapUpUntil
  }
  extensions {
    extension
    status
    online
  }
  contacts {
    id
    uri
    status
    roundtripUsec
    userAgent
  }
}
    `, {"fragmentName":"AgentFields"}) as unknown as TypedDocumentString<AgentFieldsFragment, unknown>;
export const LiveAgentsDocument = new TypedDocumentString(`
    subscription LiveAgents {
  agentStatus {
    __typename
    ... on AgentsSnapshot {
      epoch
      seq
      agents {
        ...AgentFields
      }
    }
    ... on AgentStatusChanged {
      epoch
      seq
      removed
      agent {
        ...AgentFields
      }
    }
  }
}
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
  presence {
    state
    subtype
    message
    since
  }
  queues {
    queue
    paused
    pausedReason
    wrapUpUntil
  }
  extensions {
    extension
    status
    online
  }
  contacts {
    id
    uri
    status
    roundtripUsec
    userAgent
  }
}`) as unknown as TypedDocumentString<LiveAgentsSubscription, LiveAgentsSubscriptionVariables>;
export const FloorStatusDocument = new TypedDocumentString(`
    query FloorStatus {
  queues {
    queue
    members
    available
    paused
    inWrapUp
  }
  amiStatus {
    connected
    synced
    lastError
    lastEventAt
  }
}
    `) as unknown as TypedDocumentString<FloorStatusQuery, FloorStatusQueryVariables>;
export const AvailableAgentsDocument = new TypedDocumentString(`
    query AvailableAgents($exclude: [ID!], $queue: String) {
  availableAgents(exclude: $exclude, queue: $queue) {
    id
    extension
    name
    status
  }
}
    `) as unknown as TypedDocumentString<AvailableAgentsQuery, AvailableAgentsQueryVariables>;
export const CanTransferDocument = new TypedDocumentString(`
    query CanTransfer($to: ID!, $from: ID, $queue: String) {
  canTransfer(to: $to, from: $from, queue: $queue) {
    ok
    reason
    reasons
    message
    agent {
      id
      name
      extension
    }
  }
}
    `) as unknown as TypedDocumentString<CanTransferQuery, CanTransferQueryVariables>;