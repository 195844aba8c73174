import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { AgentModel, SnapshotModel, ChangeModel, ExtensionModel, PresenceModel, QueueMembershipModel, CommandResultModel, AmiStatusModel, ClusterStatusModel, PbxStatusModel, ContactModel, TransferCheckModel, RevocationModel } from '../models.ts';
import type { CompatEventModel } from '../../events/status-hub.ts';
import type { ResyncResult } from '../../service/availability-service.ts';
import type { GraphQLContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 timestamp (UTC). */
  DateTime: { input: Date; output: number | Date; }
};

/** A person who takes calls: a CRM user (merged over their extensions) or an extension no user claims. */
export type Agent = {
  __typename?: 'Agent';
  /** Can take a call now: no reason says otherwise (`reasons` is empty). */
  available: Scalars['Boolean']['output'];
  /** Registered devices: their addresses and user agents (SUPERVISOR). */
  contacts: Array<Contact>;
  /** Asterisk's device state (NOT_INUSE, INUSE, RINGING, ...). */
  deviceState?: Maybe<Scalars['String']['output']>;
  /** DND on any of the agent's extensions. */
  dnd: Scalars['Boolean']['output'];
  /** The agent's main extension (users.extension, else the first of user_extensions). */
  extension: Scalars['ID']['output'];
  /** Per-extension detail, main extension first. */
  extensions: Array<ExtensionDetail>;
  /** Global id: `user:<uuid>` for a CRM user, `ext:<extension>` for an extension no user claims. */
  id: Scalars['ID']['output'];
  /** Last time a contact of this extension was seen reachable. */
  lastSeen?: Maybe<Scalars['DateTime']['output']>;
  /** The CRM user's name (users.name), else the endpoint's display name. */
  name?: Maybe<Scalars['String']['output']>;
  /** At least one contact is reachable. */
  online: Scalars['Boolean']['output'];
  /** The PBX the agent's main extension is on (its name in AMI_PBXS, or PBX_NAME). */
  pbx: Scalars['String']['output'];
  /** The most recently changed presence of the agent's extensions. */
  presence?: Maybe<Presence>;
  /** Queue memberships of all the agent's extensions. */
  queues: Array<QueueMembership>;
  /** Why not available (empty when available): phone, DND, presence, queue pause, wrap-up, staleness. */
  reasons: Array<UnavailableReason>;
  /** AMI is down or the first resync has not finished: this is the last known state. */
  stale: Scalars['Boolean']['output'];
  /** The phone's state, merged over the agent's extensions: RINGING > ON_CALL > BUSY > ON_HOLD > AVAILABLE > UNREACHABLE > OFFLINE. */
  status: AgentStatus;
  updatedAt: Scalars['DateTime']['output'];
  userId?: Maybe<Scalars['ID']['output']>;
};

export type AgentStatus =
  | 'AVAILABLE'
  | 'BUSY'
  | 'OFFLINE'
  | 'ON_CALL'
  | 'ON_HOLD'
  | 'RINGING'
  | 'UNREACHABLE';

export type AgentStatusChanged = {
  __typename?: 'AgentStatusChanged';
  /** The changed agent (its last state when removed): a normalized client cache updates every query showing it. */
  agent: Agent;
  available: Scalars['Boolean']['output'];
  dnd: Scalars['Boolean']['output'];
  /** The stream `seq` belongs to (see AgentsSnapshot.epoch). */
  epoch: Scalars['ID']['output'];
  /** The agent's main extension. */
  extension: Scalars['ID']['output'];
  /** Every extension of the agent. */
  extensions: Array<Scalars['ID']['output']>;
  online: Scalars['Boolean']['output'];
  presence?: Maybe<Presence>;
  queues: Array<QueueMembership>;
  reasons: Array<UnavailableReason>;
  /** Present when the extension was removed from Asterisk. */
  removed: Scalars['Boolean']['output'];
  /** Server-wide monotonic sequence number of this change. */
  seq: Scalars['Int']['output'];
  stale: Scalars['Boolean']['output'];
  status: AgentStatus;
  ts: Scalars['DateTime']['output'];
};

export type AgentStatusEvent = AgentStatusChanged | AgentsSnapshot;

export type AgentsSnapshot = {
  __typename?: 'AgentsSnapshot';
  agents: Array<Agent>;
  /**
   * The stream this `seq` belongs to: a new value (a new process, a failover) means `seq` started again,
   * so a client drops what it holds and takes this snapshot as the whole state.
   */
  epoch: Scalars['ID']['output'];
  /** Sequence number of the last change included; the next delta has seq + 1 (per stream, gaps are detectable). */
  seq: Scalars['Int']['output'];
  ts: Scalars['DateTime']['output'];
};

export type AmiStatus = {
  __typename?: 'AmiStatus';
  cacheHits: Scalars['Int']['output'];
  cacheMisses: Scalars['Int']['output'];
  /** Several instances (REDIS_URL): this instance's role and who reads the PBX's AMI. Null for a single process. */
  cluster?: Maybe<ClusterStatus>;
  connected: Scalars['Boolean']['output'];
  /** Why the database is not up (no answer, refused, or the last write error such as a full disk). */
  databaseError?: Maybe<Scalars['String']['output']>;
  /** Where the state is kept: embedded PGlite, a PostgreSQL of its own, or next to Asterisk's PJSIP realtime tables. */
  databaseMode: DatabaseMode;
  /** The database answers within DB_READ_TIMEOUT_MS and accepts writes. While false, answers come from memory. */
  databaseUp?: Maybe<Scalars['Boolean']['output']>;
  eventsIgnored: Scalars['Int']['output'];
  eventsProcessed: Scalars['Int']['output'];
  lastError?: Maybe<Scalars['String']['output']>;
  lastEventAt?: Maybe<Scalars['DateTime']['output']>;
  lastResyncAt?: Maybe<Scalars['DateTime']['output']>;
  /** The most recent failed write (kept after recovery: compare lastWriteErrorAt with now). */
  lastWriteError?: Maybe<Scalars['String']['output']>;
  lastWriteErrorAt?: Maybe<Scalars['DateTime']['output']>;
  /** Age of the oldest change not stored yet, in milliseconds; null when nothing is pending. */
  oldestPendingWriteAgeMs?: Maybe<Scalars['Int']['output']>;
  /** Each watched PBX on its own (one entry without AMI_PBXS). The fields above sum or combine them: connected and synced only when every PBX is. */
  pbxs: Array<PbxStatus>;
  /** Writes waiting for the database. */
  pendingWrites: Scalars['Int']['output'];
  /** Queue members, pauses and wrap-up are known (false: e.g. the AMI user lacks read class `agent`). */
  queueDataAvailable: Scalars['Boolean']['output'];
  /** Why queue data is unavailable. */
  queueDataDetail?: Maybe<Scalars['String']['output']>;
  reconnects: Scalars['Int']['output'];
  /** Logged in and the first full resync has completed. */
  synced: Scalars['Boolean']['output'];
};

/** One instance of several: which instance reads the PBX's AMI, and where this one is in the change stream. */
export type ClusterStatus = {
  __typename?: 'ClusterStatus';
  /** A gap was seen and this instance waits for a snapshot. */
  awaitingSnapshot: Scalars['Boolean']['output'];
  /** This instance (INSTANCE_ID). */
  instance: Scalars['String']['output'];
  /** Age of the newest stream record applied here, in ms. */
  lagMs?: Maybe<Scalars['Int']['output']>;
  /** The instance that reads that PBX's AMI, as the stream last said. */
  leader?: Maybe<Scalars['String']['output']>;
  /** Fencing epoch of the current leader (rises at every change of leader). */
  leaderEpoch?: Maybe<Scalars['Int']['output']>;
  /** Every PBX whose AMI this instance reads (each PBX has its own leader; an instance may lead none, one or several). */
  leads: Array<Scalars['String']['output']>;
  /** The PBX that role, leader and leaderEpoch describe: PBX_NAME, or the first of AMI_PBXS (pbxs[].leader names each PBX's leader). */
  pbx: Scalars['String']['output'];
  redisConnected: Scalars['Boolean']['output'];
  /** LEADER reads that PBX's AMI; FOLLOWER serves it from the Redis stream. */
  role: Scalars['String']['output'];
  /** seq of the last agent change delivered by this instance. */
  seq: Scalars['Int']['output'];
  /** The stream's epoch (the same on every instance). */
  streamEpoch?: Maybe<Scalars['String']['output']>;
};

/** A command sent to Asterisk. The state shown changes when Asterisk reports it, not when this returns. */
export type CommandResult = {
  __typename?: 'CommandResult';
  /** Asterisk answered Success. */
  accepted: Scalars['Boolean']['output'];
  message?: Maybe<Scalars['String']['output']>;
};

export type CompatEvent = {
  __typename?: 'CompatEvent';
  extension?: Maybe<Scalars['ID']['output']>;
  kind: CompatEventKind;
  /** The event's payload as JSON (shape of the original socket events). */
  payload: Scalars['String']['output'];
  ts: Scalars['DateTime']['output'];
  /** extension:contactStatus, extension:endpointStatus, extension:availability_changed or extension:statuses_refreshed */
  type: Scalars['String']['output'];
};

/** Compatibility events of the original service, by kind. */
export type CompatEventKind =
  | 'AVAILABILITY_CHANGED'
  | 'CONTACT_STATUS'
  | 'ENDPOINT_STATUS'
  | 'STATUSES_REFRESHED';

export type Contact = {
  __typename?: 'Contact';
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** Asterisk's contact id, `<aor>;@<md5(uri)>`. */
  id: Scalars['ID']['output'];
  roundtripUsec?: Maybe<Scalars['Int']['output']>;
  /** Reachable, Unreachable, NonQualified or Unknown. */
  status: Scalars['String']['output'];
  uri: Scalars['String']['output'];
  userAgent?: Maybe<Scalars['String']['output']>;
};

/** How the service stores its state (see the README's deployments). */
export type DatabaseMode =
  /** The PostgreSQL database of Asterisk's PJSIP realtime: Asterisk writes ps_contacts, the service keeps their status. */
  | 'ASTERISK_REALTIME'
  /** Embedded PGlite in DATA_DIR. */
  | 'EMBEDDED'
  /** A PostgreSQL database of its own (DATABASE_URL). */
  | 'POSTGRESQL';

/** An extension two PBXs report (extensions are one namespace across the PBXs). */
export type ExtensionCollision = {
  __typename?: 'ExtensionCollision';
  extension: Scalars['ID']['output'];
  /** The PBX it is served from (the first that reported it). */
  owner: Scalars['String']['output'];
};

/** One extension of an agent (an agent with a desk phone and a softphone has two). */
export type ExtensionDetail = {
  __typename?: 'ExtensionDetail';
  available: Scalars['Boolean']['output'];
  /** Registered devices of this extension (SUPERVISOR). */
  contacts: Array<Contact>;
  deviceState?: Maybe<Scalars['String']['output']>;
  dnd: Scalars['Boolean']['output'];
  extension: Scalars['ID']['output'];
  lastSeen?: Maybe<Scalars['DateTime']['output']>;
  online: Scalars['Boolean']['output'];
  /** The PBX this extension is on (its name in AMI_PBXS, or PBX_NAME). */
  pbx: Scalars['String']['output'];
  presence?: Maybe<Presence>;
  reasons: Array<UnavailableReason>;
  status: AgentStatus;
  updatedAt: Scalars['DateTime']['output'];
};

/** The seed's getExtensionStatus shape. */
export type ExtensionStatus = {
  __typename?: 'ExtensionStatus';
  extension: Scalars['ID']['output'];
  isRegistered: Scalars['Boolean']['output'];
  lastSeen?: Maybe<Scalars['DateTime']['output']>;
  /** The PBX this extension is on (its name in AMI_PBXS, or PBX_NAME). */
  pbx: Scalars['String']['output'];
  status: AgentStatus;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Pause the extension's queue member in `queue` (every queue it belongs to when omitted). Needs AMI write class `agent`. An AGENT: their own extension only. */
  pauseAgent: CommandResult;
  /** Force a full resync with Asterisk and return what changed. */
  refreshStatuses: RefreshResult;
  /** Lift a revocation. True when one was found. */
  restoreCredentials: Scalars['Boolean']['output'];
  /**
   * Refuse credentials before they expire, on every instance: one JWT by its `jti` (`tokenId`), and/or
   * everything a `subject` holds that was issued until now (a JWT `sub`: "sign out everywhere", a token
   * issued later is accepted; or `api-key:<name>`, refused until restored). Open WebSockets using them
   * are closed with 4403. JWT revocations are kept AUTH_REVOCATION_RETENTION_S.
   */
  revokeCredentials: Array<Revocation>;
  /** DND on/off the way FreePBX does it: the DND toggle device BUSY/NOT_INUSE and presence dnd/available. An AGENT: their own extension only. */
  setDnd: CommandResult;
  /** Set the extension's presence (`PRESENCE_STATE(CustomPresence:<ext>)`). No commas or line breaks in subtype/message. An AGENT: their own extension only. */
  setPresence: CommandResult;
  unpauseAgent: CommandResult;
};


export type MutationPauseAgentArgs = {
  extension: Scalars['ID']['input'];
  queue?: InputMaybe<Scalars['String']['input']>;
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationRestoreCredentialsArgs = {
  subject?: InputMaybe<Scalars['String']['input']>;
  tokenId?: InputMaybe<Scalars['String']['input']>;
};


export type MutationRevokeCredentialsArgs = {
  reason?: InputMaybe<Scalars['String']['input']>;
  subject?: InputMaybe<Scalars['String']['input']>;
  tokenId?: InputMaybe<Scalars['String']['input']>;
};


export type MutationSetDndArgs = {
  extension: Scalars['ID']['input'];
  on: Scalars['Boolean']['input'];
};


export type MutationSetPresenceArgs = {
  extension: Scalars['ID']['input'];
  message?: InputMaybe<Scalars['String']['input']>;
  state: PresenceState;
  subtype?: InputMaybe<Scalars['String']['input']>;
};


export type MutationUnpauseAgentArgs = {
  extension: Scalars['ID']['input'];
  queue?: InputMaybe<Scalars['String']['input']>;
};

/** One watched PBX: its AMI link, and whether its agents are fresh. */
export type PbxStatus = {
  __typename?: 'PbxStatus';
  /** Extensions served from this PBX. */
  agents: Scalars['Int']['output'];
  /** Extensions this PBX reports that another PBX already owns: served from the owner only. */
  collisions: Array<ExtensionCollision>;
  connected: Scalars['Boolean']['output'];
  lastError?: Maybe<Scalars['String']['output']>;
  lastEventAt?: Maybe<Scalars['DateTime']['output']>;
  lastResyncAt?: Maybe<Scalars['DateTime']['output']>;
  /** Several instances (REDIS_URL): the instance that reads this PBX's AMI (its leader), as this one knows it. */
  leader?: Maybe<Scalars['String']['output']>;
  /** Its name in AMI_PBXS (or PBX_NAME). */
  name: Scalars['String']['output'];
  reconnects: Scalars['Int']['output'];
  /** Logged in and resynced since: its agents are fresh. False: its agents (only its) are stale. */
  synced: Scalars['Boolean']['output'];
};

/** What the extension's presence provider (`CustomPresence:<ext>`) says. */
export type Presence = {
  __typename?: 'Presence';
  message?: Maybe<Scalars['String']['output']>;
  /** When state, subtype or message last changed (as seen by this service). */
  since: Scalars['DateTime']['output'];
  state: PresenceState;
  subtype?: Maybe<Scalars['String']['output']>;
};

/** Asterisk's presence states (func_presencestate). */
export type PresenceState =
  | 'AVAILABLE'
  | 'AWAY'
  | 'CHAT'
  | 'DND'
  | 'NOT_SET'
  | 'UNAVAILABLE'
  | 'XA';

export type Query = {
  __typename?: 'Query';
  /** The agent that owns this extension. */
  agent?: Maybe<Agent>;
  /** Every agent (a CRM user once, however many extensions). `queue`: only that queue's members. */
  agents: Array<Agent>;
  amiStatus: AmiStatus;
  /**
   * Only agents who can take a call now; `exclude` drops e.g. the caller (any of the agent's extensions).
   * With `queue`: members of that queue who can take a call of it (paused elsewhere does not count).
   */
  availableAgents: Array<Agent>;
  /** Can `to` take this call now? With `queue`: a call of that queue. `reasons` says why not. */
  canTransfer: TransferCheck;
  extension?: Maybe<ExtensionStatus>;
  extensions: Array<ExtensionStatus>;
  /** Per-queue figures (members, available, paused, in wrap-up). */
  queues: Array<QueueSummary>;
  /** Credentials revoked before they expire, newest first. */
  revokedCredentials: Array<Revocation>;
};


export type QueryAgentArgs = {
  extension: Scalars['ID']['input'];
};


export type QueryAgentsArgs = {
  online?: InputMaybe<Scalars['Boolean']['input']>;
  queue?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<Array<AgentStatus>>;
};


export type QueryAvailableAgentsArgs = {
  exclude?: InputMaybe<Array<Scalars['ID']['input']>>;
  queue?: InputMaybe<Scalars['String']['input']>;
};


export type QueryCanTransferArgs = {
  from?: InputMaybe<Scalars['ID']['input']>;
  queue?: InputMaybe<Scalars['String']['input']>;
  to: Scalars['ID']['input'];
};


export type QueryExtensionArgs = {
  id: Scalars['ID']['input'];
};

/** One queue membership, as app_queue reports it, with the wrap-up window this service computes. */
export type QueueMembership = {
  __typename?: 'QueueMembership';
  callsTaken: Scalars['Int']['output'];
  /** As Asterisk says; unreliable right after a call is answered, not used for availability. */
  inCall: Scalars['Boolean']['output'];
  /** The wrap-up window is open now. */
  inWrapUp: Scalars['Boolean']['output'];
  /** The member's interface, e.g. PJSIP/1000. */
  interface: Scalars['String']['output'];
  /** End of the member's last queue call (whole seconds). */
  lastCall?: Maybe<Scalars['DateTime']['output']>;
  /** MemberName in Asterisk. */
  memberName?: Maybe<Scalars['String']['output']>;
  paused: Scalars['Boolean']['output'];
  pausedReason?: Maybe<Scalars['String']['output']>;
  /** LastPause: when the member was last paused. */
  pausedSince?: Maybe<Scalars['DateTime']['output']>;
  queue: Scalars['String']['output'];
  /** When the wrap-up after the last queue call ends; null when none applies. */
  wrapUpUntil?: Maybe<Scalars['DateTime']['output']>;
};

/** Live figures of one queue, from its members' states. */
export type QueueSummary = {
  __typename?: 'QueueSummary';
  /** Members who can take a call of this queue now. */
  available: Scalars['Int']['output'];
  inWrapUp: Scalars['Int']['output'];
  members: Scalars['Int']['output'];
  paused: Scalars['Int']['output'];
  queue: Scalars['String']['output'];
};

export type RefreshResult = {
  __typename?: 'RefreshResult';
  agents: Scalars['Int']['output'];
  /** Extensions whose status changed during the resync. Empty with several instances (REDIS_URL): the changes reach subscribers through the cluster's stream. */
  changed: Array<AgentStatusChanged>;
  ts: Scalars['DateTime']['output'];
};

export type Revocation = {
  __typename?: 'Revocation';
  /** When the entry is dropped (every token it refuses has expired by then); null: until restored. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  kind: RevocationKind;
  reason?: Maybe<Scalars['String']['output']>;
  revokedAt: Scalars['DateTime']['output'];
  /** The jti, or the subject (a JWT sub, or api-key:<name>). */
  value: Scalars['String']['output'];
};

export type RevocationKind =
  /** Everything a subject holds that was issued at or before revokedAt. */
  | 'SUBJECT'
  /** One JWT, by its jti. */
  | 'TOKEN';

/** Roles, ordered: an OPERATOR may do what a SUPERVISOR may, a SUPERVISOR what an AGENT may. */
export type Role =
  /** Availability of everyone, without contact details; may change only their own extension. */
  | 'AGENT'
  /** Resyncs, metrics, the REST API and GraphiQL. */
  | 'OPERATOR'
  /** Everything a dashboard shows, contacts included. */
  | 'SUPERVISOR';

export type Subscription = {
  __typename?: 'Subscription';
  /** A snapshot of the matching agents first, then one delta per change, in order. */
  agentStatus: AgentStatusEvent;
  /** The original service's event kinds (all when `kinds` is omitted). */
  extensionEvents: CompatEvent;
};


export type SubscriptionAgentStatusArgs = {
  extensions?: InputMaybe<Array<Scalars['ID']['input']>>;
};


export type SubscriptionExtensionEventsArgs = {
  extensions?: InputMaybe<Array<Scalars['ID']['input']>>;
  kinds?: InputMaybe<Array<CompatEventKind>>;
};

export type TransferCheck = {
  __typename?: 'TransferCheck';
  agent?: Maybe<Agent>;
  /** Human-readable explanation. */
  message?: Maybe<Scalars['String']['output']>;
  ok: Scalars['Boolean']['output'];
  /** Why the transfer is refused (null when ok). */
  reason?: Maybe<TransferRefusal>;
  /** Every reason the agent cannot take the call (for the queue asked about); empty when ok. */
  reasons: Array<UnavailableReason>;
};

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



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;



/** Mapping of union types */
export type ResolversUnionTypes<_RefType extends Record<string, unknown>> = {
  AgentStatusEvent:
    | ( ChangeModel )
    | ( SnapshotModel )
  ;
};


/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Agent: ResolverTypeWrapper<AgentModel>;
  AgentStatus: AgentStatus;
  AgentStatusChanged: ResolverTypeWrapper<ChangeModel>;
  AgentStatusEvent: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['AgentStatusEvent']>;
  AgentsSnapshot: ResolverTypeWrapper<SnapshotModel>;
  AmiStatus: ResolverTypeWrapper<AmiStatusModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  ClusterStatus: ResolverTypeWrapper<ClusterStatusModel>;
  CommandResult: ResolverTypeWrapper<CommandResultModel>;
  CompatEvent: ResolverTypeWrapper<CompatEventModel>;
  CompatEventKind: CompatEventKind;
  Contact: ResolverTypeWrapper<ContactModel>;
  DatabaseMode: DatabaseMode;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  ExtensionCollision: ResolverTypeWrapper<ExtensionCollision>;
  ExtensionDetail: ResolverTypeWrapper<ExtensionModel>;
  ExtensionStatus: ResolverTypeWrapper<ExtensionModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PbxStatus: ResolverTypeWrapper<PbxStatusModel>;
  Presence: ResolverTypeWrapper<PresenceModel>;
  PresenceState: PresenceState;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  QueueMembership: ResolverTypeWrapper<QueueMembershipModel>;
  QueueSummary: ResolverTypeWrapper<QueueSummary>;
  RefreshResult: ResolverTypeWrapper<ResyncResult>;
  Revocation: ResolverTypeWrapper<RevocationModel>;
  RevocationKind: RevocationKind;
  Role: Role;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TransferCheck: ResolverTypeWrapper<TransferCheckModel>;
  TransferRefusal: TransferRefusal;
  UnavailableReason: UnavailableReason;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Agent: AgentModel;
  AgentStatusChanged: ChangeModel;
  AgentStatusEvent: ResolversUnionTypes<ResolversParentTypes>['AgentStatusEvent'];
  AgentsSnapshot: SnapshotModel;
  AmiStatus: AmiStatusModel;
  Boolean: Scalars['Boolean']['output'];
  ClusterStatus: ClusterStatusModel;
  CommandResult: CommandResultModel;
  CompatEvent: CompatEventModel;
  Contact: ContactModel;
  DateTime: Scalars['DateTime']['output'];
  ExtensionCollision: ExtensionCollision;
  ExtensionDetail: ExtensionModel;
  ExtensionStatus: ExtensionModel;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Mutation: Record<PropertyKey, never>;
  PbxStatus: PbxStatusModel;
  Presence: PresenceModel;
  Query: Record<PropertyKey, never>;
  QueueMembership: QueueMembershipModel;
  QueueSummary: QueueSummary;
  RefreshResult: ResyncResult;
  Revocation: RevocationModel;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  TransferCheck: TransferCheckModel;
};

export type AuthDirectiveArgs = {
  ownExtension?: Maybe<Scalars['String']['input']>;
  requires?: Role;
};

export type AuthDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = AuthDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AgentResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Agent'] = ResolversParentTypes['Agent']> = {
  available?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  contacts?: Resolver<Array<ResolversTypes['Contact']>, ParentType, ContextType>;
  deviceState?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  dnd?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  extension?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  extensions?: Resolver<Array<ResolversTypes['ExtensionDetail']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastSeen?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  online?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  pbx?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  presence?: Resolver<Maybe<ResolversTypes['Presence']>, ParentType, ContextType>;
  queues?: Resolver<Array<ResolversTypes['QueueMembership']>, ParentType, ContextType>;
  reasons?: Resolver<Array<ResolversTypes['UnavailableReason']>, ParentType, ContextType>;
  stale?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AgentStatus'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  userId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
};

export type AgentStatusChangedResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AgentStatusChanged'] = ResolversParentTypes['AgentStatusChanged']> = {
  agent?: Resolver<ResolversTypes['Agent'], ParentType, ContextType>;
  available?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  dnd?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  epoch?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  extension?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  extensions?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  online?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  presence?: Resolver<Maybe<ResolversTypes['Presence']>, ParentType, ContextType>;
  queues?: Resolver<Array<ResolversTypes['QueueMembership']>, ParentType, ContextType>;
  reasons?: Resolver<Array<ResolversTypes['UnavailableReason']>, ParentType, ContextType>;
  removed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stale?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AgentStatus'], ParentType, ContextType>;
  ts?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AgentStatusEventResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AgentStatusEvent'] = ResolversParentTypes['AgentStatusEvent']> = {
  __resolveType: TypeResolveFn<'AgentStatusChanged' | 'AgentsSnapshot', ParentType, ContextType>;
};

export type AgentsSnapshotResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AgentsSnapshot'] = ResolversParentTypes['AgentsSnapshot']> = {
  agents?: Resolver<Array<ResolversTypes['Agent']>, ParentType, ContextType>;
  epoch?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  ts?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AmiStatusResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['AmiStatus'] = ResolversParentTypes['AmiStatus']> = {
  cacheHits?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  cacheMisses?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  cluster?: Resolver<Maybe<ResolversTypes['ClusterStatus']>, ParentType, ContextType>;
  connected?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  databaseError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  databaseMode?: Resolver<ResolversTypes['DatabaseMode'], ParentType, ContextType>;
  databaseUp?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  eventsIgnored?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  eventsProcessed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastEventAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastResyncAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastWriteError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastWriteErrorAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  oldestPendingWriteAgeMs?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  pbxs?: Resolver<Array<ResolversTypes['PbxStatus']>, ParentType, ContextType>;
  pendingWrites?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  queueDataAvailable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  queueDataDetail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  reconnects?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  synced?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type ClusterStatusResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ClusterStatus'] = ResolversParentTypes['ClusterStatus']> = {
  awaitingSnapshot?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  instance?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lagMs?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  leader?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  leaderEpoch?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  leads?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  pbx?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  redisConnected?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  streamEpoch?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type CommandResultResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CommandResult'] = ResolversParentTypes['CommandResult']> = {
  accepted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  message?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type CompatEventResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CompatEvent'] = ResolversParentTypes['CompatEvent']> = {
  extension?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['CompatEventKind'], ParentType, ContextType>;
  payload?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ts?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ContactResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Contact'] = ResolversParentTypes['Contact']> = {
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  roundtripUsec?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  uri?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  userAgent?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type ExtensionCollisionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ExtensionCollision'] = ResolversParentTypes['ExtensionCollision']> = {
  extension?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  owner?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ExtensionDetailResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ExtensionDetail'] = ResolversParentTypes['ExtensionDetail']> = {
  available?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  contacts?: Resolver<Array<ResolversTypes['Contact']>, ParentType, ContextType>;
  deviceState?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  dnd?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  extension?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastSeen?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  online?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  pbx?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  presence?: Resolver<Maybe<ResolversTypes['Presence']>, ParentType, ContextType>;
  reasons?: Resolver<Array<ResolversTypes['UnavailableReason']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AgentStatus'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type ExtensionStatusResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ExtensionStatus'] = ResolversParentTypes['ExtensionStatus']> = {
  extension?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  isRegistered?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  lastSeen?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  pbx?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AgentStatus'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  pauseAgent?: Resolver<ResolversTypes['CommandResult'], ParentType, ContextType, RequireFields<MutationPauseAgentArgs, 'extension'>>;
  refreshStatuses?: Resolver<ResolversTypes['RefreshResult'], ParentType, ContextType>;
  restoreCredentials?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, Partial<MutationRestoreCredentialsArgs>>;
  revokeCredentials?: Resolver<Array<ResolversTypes['Revocation']>, ParentType, ContextType, Partial<MutationRevokeCredentialsArgs>>;
  setDnd?: Resolver<ResolversTypes['CommandResult'], ParentType, ContextType, RequireFields<MutationSetDndArgs, 'extension' | 'on'>>;
  setPresence?: Resolver<ResolversTypes['CommandResult'], ParentType, ContextType, RequireFields<MutationSetPresenceArgs, 'extension' | 'state'>>;
  unpauseAgent?: Resolver<ResolversTypes['CommandResult'], ParentType, ContextType, RequireFields<MutationUnpauseAgentArgs, 'extension'>>;
};

export type PbxStatusResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PbxStatus'] = ResolversParentTypes['PbxStatus']> = {
  agents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  collisions?: Resolver<Array<ResolversTypes['ExtensionCollision']>, ParentType, ContextType>;
  connected?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastEventAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastResyncAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  leader?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reconnects?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  synced?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PresenceResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Presence'] = ResolversParentTypes['Presence']> = {
  message?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  since?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['PresenceState'], ParentType, ContextType>;
  subtype?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  agent?: Resolver<Maybe<ResolversTypes['Agent']>, ParentType, ContextType, RequireFields<QueryAgentArgs, 'extension'>>;
  agents?: Resolver<Array<ResolversTypes['Agent']>, ParentType, ContextType, Partial<QueryAgentsArgs>>;
  amiStatus?: Resolver<ResolversTypes['AmiStatus'], ParentType, ContextType>;
  availableAgents?: Resolver<Array<ResolversTypes['Agent']>, ParentType, ContextType, Partial<QueryAvailableAgentsArgs>>;
  canTransfer?: Resolver<ResolversTypes['TransferCheck'], ParentType, ContextType, RequireFields<QueryCanTransferArgs, 'to'>>;
  extension?: Resolver<Maybe<ResolversTypes['ExtensionStatus']>, ParentType, ContextType, RequireFields<QueryExtensionArgs, 'id'>>;
  extensions?: Resolver<Array<ResolversTypes['ExtensionStatus']>, ParentType, ContextType>;
  queues?: Resolver<Array<ResolversTypes['QueueSummary']>, ParentType, ContextType>;
  revokedCredentials?: Resolver<Array<ResolversTypes['Revocation']>, ParentType, ContextType>;
};

export type QueueMembershipResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['QueueMembership'] = ResolversParentTypes['QueueMembership']> = {
  callsTaken?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  inCall?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  inWrapUp?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  interface?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lastCall?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  memberName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  paused?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  pausedReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  pausedSince?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  queue?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  wrapUpUntil?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type QueueSummaryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['QueueSummary'] = ResolversParentTypes['QueueSummary']> = {
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  inWrapUp?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  members?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  paused?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  queue?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type RefreshResultResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RefreshResult'] = ResolversParentTypes['RefreshResult']> = {
  agents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  changed?: Resolver<Array<ResolversTypes['AgentStatusChanged']>, ParentType, ContextType>;
  ts?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type RevocationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Revocation'] = ResolversParentTypes['Revocation']> = {
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['RevocationKind'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  revokedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  agentStatus?: SubscriptionResolver<ResolversTypes['AgentStatusEvent'], "agentStatus", ParentType, ContextType, Partial<SubscriptionAgentStatusArgs>>;
  extensionEvents?: SubscriptionResolver<ResolversTypes['CompatEvent'], "extensionEvents", ParentType, ContextType, Partial<SubscriptionExtensionEventsArgs>>;
};

export type TransferCheckResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['TransferCheck'] = ResolversParentTypes['TransferCheck']> = {
  agent?: Resolver<Maybe<ResolversTypes['Agent']>, ParentType, ContextType>;
  message?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  ok?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['TransferRefusal']>, ParentType, ContextType>;
  reasons?: Resolver<Array<ResolversTypes['UnavailableReason']>, ParentType, ContextType>;
};

export type Resolvers<ContextType = GraphQLContext> = {
  Agent?: AgentResolvers<ContextType>;
  AgentStatusChanged?: AgentStatusChangedResolvers<ContextType>;
  AgentStatusEvent?: AgentStatusEventResolvers<ContextType>;
  AgentsSnapshot?: AgentsSnapshotResolvers<ContextType>;
  AmiStatus?: AmiStatusResolvers<ContextType>;
  ClusterStatus?: ClusterStatusResolvers<ContextType>;
  CommandResult?: CommandResultResolvers<ContextType>;
  CompatEvent?: CompatEventResolvers<ContextType>;
  Contact?: ContactResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  ExtensionCollision?: ExtensionCollisionResolvers<ContextType>;
  ExtensionDetail?: ExtensionDetailResolvers<ContextType>;
  ExtensionStatus?: ExtensionStatusResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PbxStatus?: PbxStatusResolvers<ContextType>;
  Presence?: PresenceResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  QueueMembership?: QueueMembershipResolvers<ContextType>;
  QueueSummary?: QueueSummaryResolvers<ContextType>;
  RefreshResult?: RefreshResultResolvers<ContextType>;
  Revocation?: RevocationResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TransferCheck?: TransferCheckResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = GraphQLContext> = {
  auth?: AuthDirectiveResolver<any, any, ContextType>;
};
