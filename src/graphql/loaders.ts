// Request-scoped DataLoaders over the agent reader (status cache → store).
import DataLoader from "dataloader";
import type { AgentReader } from "../cache/agent-reader.ts";
import type { AgentModel } from "./models.ts";

export interface Loaders {
  agent: DataLoader<string, AgentModel | null>;
  /** Every agent, loaded once per operation. */
  allAgents: DataLoader<"all", AgentModel[]>;
}

export function createLoaders(reader: AgentReader): Loaders {
  const agent = new DataLoader<string, AgentModel | null>((extensions) => reader.loadMany(extensions), { maxBatchSize: 1000 });
  const allAgents = new DataLoader<"all", AgentModel[]>(async (keys) => {
    const agents = await reader.loadAll();
    for (const a of agents) agent.prime(a.extension, a);
    return keys.map(() => agents);
  });
  return { agent, allAgents };
}
