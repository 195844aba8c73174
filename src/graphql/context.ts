// Per-operation context: fresh DataLoaders for every HTTP request and every subscription operation,
// so no cache outlives the operation that filled it.
import type { AgentReader } from "../cache/agent-reader.ts";
import type { StatusHub } from "../events/status-hub.ts";
import type { AmiStatusModel, SnapshotModel } from "./models.ts";
import type { ResyncResult } from "../service/availability-service.ts";
import type { Principal } from "../http/auth.ts";
import type { AgentCommands } from "../service/agent-commands.ts";
import type { CredentialRevocations } from "../service/credential-revocations.ts";
import type { Directory } from "../domain/agent/merge.ts";
import { createLoaders, type Loaders } from "./loaders.ts";

/** What resolvers may use: read models and commands, never the database or AMI directly. */
export interface GraphQLServices {
  reader: AgentReader;
  hub: StatusHub;
  amiStatus(): AmiStatusModel;
  refresh(): Promise<ResyncResult>;
  /** Reads live state synchronously, then completes names: for subscription snapshots.
   * `extensions`: only these (a dashboard watching its team); null: every agent. */
  snapshot(extensions: readonly string[] | null): Promise<SnapshotModel>;
  /** The CRM's users and their extensions, as last loaded. */
  directory(): Directory;
  commands: AgentCommands;
  revocations: CredentialRevocations;
}

export interface GraphQLContext {
  services: GraphQLServices;
  loaders: Loaders;
  /** Who is calling; checked by the @auth directive (src/graphql/auth-directive.ts). */
  principal: Principal | null;
}

export function createContext(services: GraphQLServices, principal: Principal | null): GraphQLContext {
  return { services, loaders: createLoaders(services.reader, services.directory), principal };
}
