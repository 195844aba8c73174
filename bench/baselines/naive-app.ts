// The baseline service: the same AMI bridge, tracker, schema and HTTP server as src/app.ts, with the
// three things done the common way instead of ours:
//   writes        one Prisma upsert per AMI event (baseline 1) instead of the coalescing write buffer;
//   subscriptions graphql-ws's default, one GraphQL execution per subscriber per event (baseline 2);
//   reads         a database query per request (status cache TTL 0) instead of the in-memory cache.
// Subscription snapshots read through a normal cache, so that connecting subscribers costs both services
// the same and the fan-out comparison is about execution alone.
import { EventEmitter } from "node:events";
import { PubSub } from "graphql-subscriptions";
import type { Config } from "../../src/config.ts";
import type { Log } from "../../src/domain/ports.ts";
import { AvailabilityTracker } from "../../src/domain/tracker.ts";
import { AgentRoster } from "../../src/domain/agent/roster.ts";
import { AgentCommands } from "../../src/service/agent-commands.ts";
import { AmiBridge } from "../../src/ami/ami-bridge.ts";
import { openDatabase } from "../../src/store/database.ts";
import { PrismaStatusStore } from "../../src/store/prisma-status-store.ts";
import { StatusCache } from "../../src/cache/status-cache.ts";
import { AgentReader } from "../../src/cache/agent-reader.ts";
import { Authenticator } from "../../src/http/auth.ts";
import { StatusHub } from "../../src/events/status-hub.ts";
import { AvailabilityService } from "../../src/service/availability-service.ts";
import { buildSchema } from "../../src/graphql/schema.ts";
import type { GraphQLServices } from "../../src/graphql/context.ts";
import type { SnapshotModel } from "../../src/graphql/models.ts";
import { createHttpServer } from "../../src/http/server.ts";
import type { App } from "../../src/app.ts";
import { perEventUpsertSink } from "./per-event-upsert.ts";

import { CredentialRevocations } from "../../src/service/credential-revocations.ts";
import { RevocationList } from "../../src/http/revocations.ts";
import { RevocationStore } from "../../src/store/revocation-store.ts";

export async function startNaiveApp(config: Config, log: Log): Promise<App> {
  const db = await openDatabase({ url: config.db.url, dataDir: config.db.dataDir, migrate: true, log: log.child({ module: "db" }) });
  const store = new PrismaStatusStore(db.prisma);
  const writes = perEventUpsertSink(db.prisma, log.child({ module: "per-event-upsert" }));
  const tracker = new AvailabilityTracker();
  const roster = new AgentRoster();
  const cache = new StatusCache(0);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const hub = new StatusHub(new PubSub({ eventEmitter: emitter }));
  const service = new AvailabilityService(tracker, roster, writes, cache, hub, log.child({ module: "service" }));
  service.restore(await store.loadAll());
  const bridge = new AmiBridge({ ...config.ami, listener: service, log: log.child({ module: "ami" }) });
  const reader = new AgentReader(store, cache, tracker, log.child({ module: "reader" }));

  const snapshot = async (): Promise<SnapshotModel> => ({ kind: "snapshot", agents: roster.views(), seq: roster.lastSeq, ts: Date.now() });
  const services: GraphQLServices = {
    reader,
    hub,
    snapshot,
    refresh: () => service.nextSnapshot(() => bridge.refresh()),
    directory: () => roster.currentDirectory,
    commands: new AgentCommands((fields) => bridge.command(fields), { dndDevice: "Custom:DND{ext}", presenceProvider: "CustomPresence:{ext}" }),
    // The naive service is open (no credentials): nothing to revoke, but the operator mutations exist.
    revocations: new CredentialRevocations(new RevocationList(), new RevocationStore(db.prisma), { refreshMs: 5_000, retentionS: 86_400, timeoutMs: 2_000, log }),
    amiStatus: () => {
      const { queueData, ...ami } = bridge.stats();
      return {
        ...ami,
        connected: service.isConnected,
        synced: service.isSynced,
        cacheHits: cache.hits,
        cacheMisses: cache.misses,
        pendingWrites: 0,
        queueDataAvailable: queueData.available,
        queueDataDetail: queueData.detail,
        pbxs: [],
        databaseUp: true,
        databaseError: null,
        oldestPendingWriteAgeMs: null,
        lastWriteError: null,
        lastWriteErrorAt: null,
        cluster: null,
        databaseMode: "POSTGRESQL",
      };
    },
  };
  const http = createHttpServer({
    host: config.http.host,
    port: config.http.port,
    schema: buildSchema(),
    services,
    probes: { readiness: async () => ({ ready: service.isSynced, checks: {} }) },
    log: log.child({ module: "http" }),
    authenticator: new Authenticator(config.auth),
    ...config.ws,
    ...config.graphql,
    sharedExecution: false,
  });
  const { url, port } = await http.start();
  bridge.start();
  return {
    url,
    port,
    services,
    stop: async () => {
      await bridge.stop();
      await http.close();
      await db.close();
    },
  };
}
