// The in-memory agents the query floors answer from: the bench's 2,000 agents (names as seeded by
// bench/lib/bench-database.ts), one in four available, the rest spread over the other states.
export interface FloorAgent {
  extension: string;
  name: string;
  status: string;
  online: boolean;
  available: boolean;
}

const OTHER = ["ON_CALL", "RINGING", "UNREACHABLE", "OFFLINE"] as const;

export function floorAgents(first: number, count: number): FloorAgent[] {
  return Array.from({ length: count }, (_, i) => {
    const available = i % 4 === 0;
    const status = available ? "AVAILABLE" : OTHER[i % OTHER.length]!;
    return { extension: String(first + i), name: `Agent ${first + i}`, status, online: status !== "OFFLINE" && status !== "UNREACHABLE", available };
  });
}

/** The part of schema.graphql the query scenarios read. */
export const FLOOR_SCHEMA = `
  enum AgentStatus { AVAILABLE RINGING ON_CALL BUSY ON_HOLD UNREACHABLE OFFLINE }
  type Agent { extension: ID! name: String status: AgentStatus! online: Boolean! available: Boolean! }
  type Query { agent(extension: ID!): Agent availableAgents: [Agent!]! }
`;

export function floorRoot(agents: FloorAgent[]) {
  const byExtension = new Map(agents.map((a) => [a.extension, a]));
  return {
    agent: ({ extension }: { extension: string }) => byExtension.get(extension) ?? null,
    availableAgents: () => agents.filter((a) => a.available),
  };
}
