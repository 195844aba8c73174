import type { SubscriptionResolvers } from "../generated/resolvers.ts";
import type { AgentStatusEventModel, CompatEventModel } from "../../events/status-hub.ts";

/** Root fields whose `resolve` takes the event alone (their arguments only choose the stream; their
 * auth rule reads none): executed per event without their arguments (src/events/shared-execution.ts).
 * A resolve that starts reading its arguments must leave this list. */
export const ARGUMENT_FREE_EVENT_FIELDS: ReadonlySet<string> = new Set(["agentStatus", "extensionEvents"]);

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
