import type { QueryResolvers } from "../generated/resolvers.ts";
import { checkTransfer } from "../transfer.ts";

export const Query: QueryResolvers = {
  agents: async (_, { status, online, search }, { loaders }) => {
    const needle = search?.trim().toLowerCase();
    return (await loaders.allAgents.load("all")).filter(
      (agent) =>
        (!status || status.length === 0 || status.includes(agent.status)) &&
        (online == null || agent.online === online) &&
        (!needle || agent.extension.toLowerCase().includes(needle) || (agent.name ?? "").toLowerCase().includes(needle)),
    );
  },
  agent: (_, { extension }, { loaders }) => loaders.agent.load(extension),
  availableAgents: async (_, { exclude }, { loaders }) => {
    const excluded = new Set(exclude ?? []);
    return (await loaders.allAgents.load("all")).filter((agent) => agent.available && !excluded.has(agent.extension));
  },
  extension: (_, { id }, { loaders }) => loaders.agent.load(id),
  extensions: (_, __, { loaders }) => loaders.allAgents.load("all"),
  canTransfer: async (_, { to, from }, { loaders }) => checkTransfer(to, from ?? null, await loaders.agent.load(to)),
  amiStatus: (_, __, { services }) => services.amiStatus(),
};
