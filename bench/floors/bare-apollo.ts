// Bare Apollo Server: the same schema and data as the graphql-js floor, Apollo's own HTTP server
// (startStandaloneServer), no plugins of ours. What Apollo itself costs per request, and its RSS.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSchema } from "graphql";
import { FLOOR_SCHEMA, floorAgents, floorRoot } from "./agents.ts";

export interface BareApolloFloorOptions {
  first: number;
  agents: number;
}

export async function start(options: BareApolloFloorOptions) {
  const server = new ApolloServer({ schema: buildSchema(FLOOR_SCHEMA), rootValue: floorRoot(floorAgents(options.first, options.agents)), stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  return { port: Number(new URL(url).port), stop: () => server.stop() };
}
