import type { MutationResolvers } from "../generated/resolvers.ts";
import { presenceStateFromGraphQL } from "./types.ts";
import { runCommand, runRevocation } from "../command-errors.ts";

export const Mutation: MutationResolvers = {
  refreshStatuses: (_, __, { services }) => services.refresh(),
  setPresence: (_, { extension, state, subtype, message }, { services }) =>
    runCommand(() => services.commands.setPresence(extension, presenceStateFromGraphQL(state), subtype ?? null, message ?? null)),
  setDnd: (_, { extension, on }, { services }) => runCommand(() => services.commands.setDnd(extension, on)),
  pauseAgent: (_, { extension, queue, reason }, { services }) => runCommand(() => services.commands.pause(extension, queue ?? null, reason ?? null, true)),
  unpauseAgent: (_, { extension, queue }, { services }) => runCommand(() => services.commands.pause(extension, queue ?? null, null, false)),
  revokeCredentials: (_, request, { services }) => runRevocation(() => services.revocations.revoke(request)),
  restoreCredentials: (_, request, { services }) => runRevocation(() => services.revocations.restore(request)),
};
