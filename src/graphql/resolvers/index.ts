import type { Resolvers } from "../generated/resolvers.ts";
import { Mutation } from "./mutation.ts";
import { Query } from "./query.ts";
import { Subscription } from "./subscription.ts";
import { DateTime, typeResolvers } from "./types.ts";

export const resolvers: Resolvers = { Query, Mutation, Subscription, DateTime, ...typeResolvers };
