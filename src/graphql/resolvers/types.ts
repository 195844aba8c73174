// Field resolvers for object types whose model differs from the schema shape.
import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import type { Resolvers } from "../generated/resolvers.ts";

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

export const typeResolvers: Pick<Resolvers, "Contact" | "ExtensionStatus" | "AgentStatusEvent"> = {
  Contact: {
    expiresAt: (contact) => (contact.expirationTime === null ? null : contact.expirationTime * 1000),
  },
  ExtensionStatus: {
    isRegistered: (agent) => agent.contacts.length > 0,
  },
  AgentStatusEvent: {
    __resolveType: (event) => (event.kind === "snapshot" ? "AgentsSnapshot" : "AgentStatusChanged"),
  },
};
