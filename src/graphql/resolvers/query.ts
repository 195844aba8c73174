import type { QueryResolvers } from "../generated/resolvers.ts";
import { reasonsFor } from "../../domain/agent/merge.ts";
import { checkTransfer } from "../transfer.ts";
import { queueSummaries } from "../queue-summary.ts";
import { compareExtensions } from "../../cache/agent-reader.ts";

export const Query: QueryResolvers = {
  agents: async (_, { status, online, search, queue }, { loaders }) => {
    const needle = search?.trim().toLowerCase();
    return (await loaders.allAgents.load("all")).filter(
      (agent) =>
        (!status || status.length === 0 || status.includes(agent.status)) &&
        (online == null || agent.online === online) &&
        (!queue || agent.queues.some((m) => m.queue === queue)) &&
        (!needle || agent.extensions.some((e) => e.extension.toLowerCase().includes(needle)) || (agent.name ?? "").toLowerCase().includes(needle)),
    );
  },
  agent: (_, { extension }, { loaders }) => loaders.agent.load(extension),
  availableAgents: async (_, { exclude, queue }, { loaders }) => {
    const excluded = new Set(exclude ?? []);
    const now = Date.now();
    return (await loaders.allAgents.load("all")).filter(
      (agent) =>
        (queue ? reasonsFor(agent, queue, now).length === 0 : agent.available) && !agent.extensions.some((e) => excluded.has(e.extension)),
    );
  },
  extension: (_, { id }, { loaders }) => loaders.extension.load(id),
  extensions: async (_, __, { loaders }) =>
    (await loaders.allAgents.load("all")).flatMap((agent) => agent.extensions).sort((a, b) => compareExtensions(a.extension, b.extension)),
  canTransfer: async (_, { to, from, queue }, { loaders }) => checkTransfer(to, from ?? null, await loaders.agent.load(to), queue ?? null, Date.now()),
  queues: async (_, __, { loaders }) => queueSummaries(await loaders.allAgents.load("all"), Date.now()),
  amiStatus: (_, __, { services }) => services.amiStatus(),
  revokedCredentials: (_, __, { services }) => services.revocations.current(),
};
