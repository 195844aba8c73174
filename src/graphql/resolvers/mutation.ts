import type { MutationResolvers } from "../generated/resolvers.ts";

export const Mutation: MutationResolvers = {
  refreshStatuses: (_, __, { services }) => services.refresh(),
};
