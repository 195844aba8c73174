// Request-scoped DataLoaders over the agent reader (status cache → store), with users merged over
// their extensions by the directory.
import DataLoader from "dataloader";
import type { AgentReader } from "../cache/agent-reader.ts";
import { mergeAgent, type Directory } from "../domain/agent/merge.ts";
import type { AgentModel, ExtensionModel } from "./models.ts";

export interface Loaders {
  /** The agent that owns an extension (merged over all of its extensions). */
  agent: DataLoader<string, AgentModel | null>;
  /** One extension's own state. */
  extension: DataLoader<string, ExtensionModel | null>;
  /** Every agent, loaded once per operation. */
  allAgents: DataLoader<"all", AgentModel[]>;
  /** What this operation read: the extensions, and whether it read every agent (the response cache keeps
   * a result that read only some agents under their own version). */
  reads: { extensions: Set<string>; all: boolean };
}

export function createLoaders(reader: AgentReader, directory: () => Directory, now: () => number = Date.now): Loaders {
  const reads = { extensions: new Set<string>(), all: false };
  const extension = new DataLoader<string, ExtensionModel | null>(
    (extensions) => {
      for (const e of extensions) reads.extensions.add(e);
      return reader.loadMany(extensions);
    },
    { maxBatchSize: 1000 },
  );
  const agent = new DataLoader<string, AgentModel | null>(
    async (extensions) => {
      const dir = directory();
      const siblings = extensions.map((e) => dir.siblingsOf(e));
      const states = await extension.loadMany([...new Set(siblings.flat())]);
      const byExtension = new Map(states.filter((s): s is ExtensionModel => s !== null && !(s instanceof Error)).map((s) => [s.extension, s]));
      return extensions.map((requested, i) => {
        if (!byExtension.has(requested)) return null;
        const parts = siblings[i]!.map((e) => byExtension.get(e)).filter((s): s is ExtensionModel => s !== undefined);
        return mergeAgent(dir.ownerOf(requested), parts, now());
      });
    },
    { maxBatchSize: 1000 },
  );
  const allAgents = new DataLoader<"all", AgentModel[]>(async (keys) => {
    reads.all = true;
    const agents = await reader.loadAgents(directory(), now());
    for (const a of agents) for (const part of a.extensions) agent.prime(part.extension, a);
    return keys.map(() => agents);
  });
  return { agent, extension, allAgents, reads };
}
