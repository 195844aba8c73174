import type { SubscriptionResolvers } from "../generated/resolvers.ts";
import type { AgentStatusEventModel, CompatEventModel } from "../../events/status-hub.ts";

export const Subscription: SubscriptionResolvers = {
  agentStatus: {
    subscribe: (_, { extensions }, { services }) => services.hub.agentStatus(extensions ?? null, () => services.snapshot(extensions ?? null)),
    resolve: (event: AgentStatusEventModel) => event,
  },
  extensionEvents: {
    subscribe: (_, { kinds, extensions }, { services }) => services.hub.extensionEvents(kinds ?? null, extensions ?? null),
    resolve: (event: CompatEventModel) => event,
  },
};
