// Field resolvers for object types whose model differs from the schema shape.
import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import type { PresenceState as DomainPresenceState } from "../../domain/types.ts";
import type { PresenceState, Resolvers } from "../generated/resolvers.ts";

export const DateTime = new GraphQLScalarType<Date | null, string>({
  name: "DateTime",
  description: "An ISO-8601 timestamp (UTC).",
  serialize: (value) => {
    const date = value instanceof Date ? value : new Date(value as number);
    if (Number.isNaN(date.getTime())) throw new GraphQLError("DateTime cannot represent an invalid date");
    return date.toISOString();
  },
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? parseDate(ast.value) : null),
});

function parseDate(value: unknown): Date {
  const date = new Date(typeof value === "string" || typeof value === "number" ? value : NaN);
  if (Number.isNaN(date.getTime())) throw new GraphQLError("DateTime must be an ISO-8601 string");
  return date;
}

export function presenceStateFromGraphQL(state: PresenceState): DomainPresenceState {
  return state.toLowerCase() as DomainPresenceState;
}

export const typeResolvers: Pick<
  Resolvers,
  "Contact" | "ExtensionStatus" | "AgentStatusEvent" | "AgentsSnapshot" | "AgentStatusChanged" | "Presence" | "QueueMembership" | "ClusterStatus" | "Revocation"
> = {
  Contact: {
    expiresAt: (contact) => (contact.expirationTime === null ? null : contact.expirationTime * 1000),
  },
  ExtensionStatus: {
    isRegistered: (agent) => agent.contacts.length > 0,
  },
  AgentStatusEvent: {
    __resolveType: (event) => (event.kind === "snapshot" ? "AgentsSnapshot" : "AgentStatusChanged"),
  },
  AgentsSnapshot: {
    epoch: (snapshot, _args, { services }) => snapshot.epoch ?? services.hub.epoch,
  },
  // A delta's flat fields are its agent's (a removed agent reads OFFLINE, as before).
  AgentStatusChanged: {
    status: (event) => (event.removed ? "OFFLINE" : event.agent.status),
    online: (event) => !event.removed && event.agent.online,
    available: (event) => !event.removed && event.agent.available,
    stale: (event) => event.agent.stale,
    reasons: (event) => (event.removed ? ["OFFLINE"] : event.agent.reasons),
    dnd: (event) => event.agent.dnd,
    presence: (event) => event.agent.presence,
    queues: (event) => event.agent.queues,
    epoch: (event, _args, { services }) => event.epoch ?? services.hub.epoch,
  },
  ClusterStatus: {
    role: (status) => status.role.toUpperCase(),
    leader: (status) => (status.role === "leader" ? status.instance : (status.link?.leader ?? null)),
  },
  Revocation: {
    kind: (revocation) => (revocation.kind === "token" ? "TOKEN" : "SUBJECT"),
  },
  Presence: {
    state: (presence) => presence.state.toUpperCase() as PresenceState,
  },
  QueueMembership: {
    memberName: (member) => member.name,
    inWrapUp: (member) => member.wrapUpUntil !== null && member.wrapUpUntil > Date.now(),
  },
};
