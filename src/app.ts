// The composition root: the one place that builds every object and wires the ports together.
// No environment access and no process handling here: main.ts owns those.
import { EventEmitter } from "node:events";
import { PubSub } from "graphql-subscriptions";
import type { Config } from "./config.ts";
import type { Log } from "./domain/ports.ts";
import { AvailabilityTracker } from "./domain/tracker.ts";
import { AgentRoster } from "./domain/agent/roster.ts";
import { UNAVAILABLE_REASONS } from "./domain/types.ts";
import { Directory } from "./domain/agent/merge.ts";
import type { QueuePolicy } from "./domain/queues/queue-rule.ts";
import { AgentCommands } from "./service/agent-commands.ts";
import { AmiBridge } from "./ami/ami-bridge.ts";
import { openDatabase } from "./store/database.ts";
import { PrismaStatusStore } from "./store/prisma-status-store.ts";
import { createWriteBuffer } from "./store/write-buffer.ts";
import { StatusCache } from "./cache/status-cache.ts";
import { AgentReader } from "./cache/agent-reader.ts";
import { StatusHub } from "./events/status-hub.ts";
import { AvailabilityService } from "./service/availability-service.ts";
import { buildSchema } from "./graphql/schema.ts";
import type { GraphQLServices } from "./graphql/context.ts";
import type { AmiStatusModel, SnapshotModel } from "./graphql/models.ts";
import { compareExtensions } from "./cache/agent-reader.ts";
import { createHttpServer } from "./http/server.ts";
import { WEB_DIST_DIR } from "./http/static-files.ts";
import { Authenticator } from "./http/auth.ts";
import { limitRefresh } from "./graphql/refresh-limiter.ts";
import type { Probes } from "./http/rest.ts";

export interface App {
  /** Listening URL (http://host:port). */
  readonly url: string;
  readonly port: number;
  readonly services: GraphQLServices;
  stop(): Promise<void>;
}

export async function startApp(config: Config, log: Log): Promise<App> {
  const db = await openDatabase({ url: config.db.url, dataDir: config.db.dataDir, migrate: true, log: log.child({ module: "db" }) });
  const store = new PrismaStatusStore(db.prisma);
  const writes = createWriteBuffer({ store, flushIntervalMs: config.db.flushIntervalMs, maxBatch: config.db.maxBatch, log: log.child({ module: "write-buffer" }) });

  const queuePolicy: QueuePolicy = {
    wrapUpSeconds: (queue) => config.agents.wrapUpSeconds[queue] ?? config.agents.defaultWrapUpSeconds,
    sharedLastCall: config.agents.sharedLastCall,
  };
  const tracker = new AvailabilityTracker(Date.now, queuePolicy);
  const roster = new AgentRoster();

  const cache = new StatusCache(config.cache.ttlMs);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0); // one listener per subscriber: thousands are expected
  const hub = new StatusHub(new PubSub({ eventEmitter: emitter }));
  const service = new AvailabilityService(tracker, roster, writes, cache, hub, log.child({ module: "service" }));
  const bridge = new AmiBridge({ ...config.ami, naming: config.agents.naming, listener: service, log: log.child({ module: "ami" }) });
  if (config.auth.mode === "open") {
    // Said at every start, so an open production deployment is never a surprise.
    log.warn({ authMode: "open", env: config.env }, "authentication is OFF (AUTH_MODE=open): anyone who reaches this port can read every agent and force resyncs");
  }
  const authenticator = new Authenticator(config.auth);
  const reader = new AgentReader(store, cache, tracker, log.child({ module: "reader" }));
  const commands = new AgentCommands((fields) => bridge.command(fields), config.agents.naming, (extension, queue) => {
    const member = tracker.get(extension)?.queues.find((m) => queue === null || m.queue === queue);
    return member?.interface ?? null;
  });

  // The CRM's users decide which extensions are one agent: loaded now, after every resync and periodically.
  const usersLog = log.child({ module: "users" });
  const loadUsers = async () => {
    try {
      service.setDirectory(new Directory(await store.loadDirectory()));
    } catch (error) {
      usersLog.warn({ err: (error as Error).message }, "could not load users; agents keep their last grouping");
    }
  };
  await loadUsers();
  // Serve the persisted state at once (stale) and reconcile when AMI is up.
  service.restore(await store.loadAll());
  const usersTimer = setInterval(() => void loadUsers(), config.agents.usersRefreshMs);
  usersTimer.unref();
  service.onResync(() => void loadUsers());

  const amiStatus = (): AmiStatusModel => {
    const ami = bridge.stats();
    return {
      connected: service.isConnected,
      synced: service.isSynced,
      reconnects: ami.reconnects,
      lastEventAt: ami.lastEventAt,
      lastResyncAt: ami.lastResyncAt,
      lastError: ami.lastError,
      eventsProcessed: ami.eventsProcessed,
      eventsIgnored: ami.eventsIgnored,
      cacheHits: cache.hits,
      cacheMisses: cache.misses,
      pendingWrites: writes.stats().pending,
      queueDataAvailable: ami.queueData.available,
      queueDataDetail: ami.queueData.detail,
    };
  };

  const snapshot = async (extensions: readonly string[] | null): Promise<SnapshotModel> => {
    // The live roster, read synchronously: it matches `seq` exactly, names included, no database.
    // Only the watched agents: 10,000 dashboards must not each copy every agent.
    const seq = roster.lastSeq;
    let agents;
    if (extensions && extensions.length > 0) {
      const byId = new Map(extensions.map((e) => roster.agentOf(e)).filter((a) => a !== null).map((a) => [a.id, a]));
      agents = [...byId.values()];
    } else {
      agents = roster.views();
    }
    agents.sort((a, b) => compareExtensions(a.extension, b.extension));
    return { kind: "snapshot", agents, seq, ts: Date.now() };
  };

  const services: GraphQLServices = {
    reader,
    hub,
    amiStatus,
    snapshot,
    // Users first, so the result counts agents as the CRM groups them now. Concurrent callers share
    // one resync; a new one at most once per REFRESH_MIN_INTERVAL_MS.
    refresh: limitRefresh(async () => {
      await loadUsers();
      return service.nextSnapshot(() => bridge.refresh());
    }, config.refresh.minIntervalMs),
    directory: () => roster.currentDirectory,
    commands,
  };

  const probes: Probes = {
    metrics: () => {
      const ami = bridge.stats();
      const store = writes.stats();
      const byStatus = new Map<string, number>();
      for (const agent of tracker.list()) byStatus.set(agent.status, (byStatus.get(agent.status) ?? 0) + 1);
      const byReason = new Map<string, number>();
      for (const agent of roster.views()) for (const reason of agent.reasons) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
      const gauge = (name: string, help: string, value: number) => ({ name, help, type: "gauge" as const, value });
      const counter = (name: string, help: string, value: number) => ({ name, help, type: "counter" as const, value });
      return [
        gauge("ami_connected", "1 when logged in to AMI", ami.connected ? 1 : 0),
        gauge("ami_synced", "1 when the last (re)connect has been followed by a full resync", service.isSynced ? 1 : 0),
        counter("ami_reconnects_total", "AMI reconnections", ami.reconnects),
        counter("ami_events_processed_total", "AMI events used", ami.eventsProcessed),
        counter("ami_events_ignored_total", "AMI events not used by this service", ami.eventsIgnored),
        counter("ami_events_malformed_total", "AMI events and list items that could not be read", ami.malformed),
        counter("ami_resyncs_total", "completed full resyncs", ami.resyncs),
        counter("ami_resync_failures_total", "failed resyncs", ami.resyncFailures),
        gauge("store_pending_writes", "extensions waiting to be written", store.pending),
        counter("store_flushed_total", "extension states written", store.flushed),
        counter("store_write_failures_total", "failed write batches (retried)", store.failures),
        counter("store_dropped_writes_total", "agent states the database kept refusing alone while storing others", store.dropped),
        counter("status_cache_hits_total", "status cache hits", cache.hits),
        counter("status_cache_misses_total", "status cache misses", cache.misses),
        gauge("graphql_subscribers", "active agentStatus/extensionEvents subscriptions", hub.subscribers),
        ...["AVAILABLE", "RINGING", "ON_CALL", "BUSY", "ON_HOLD", "UNREACHABLE", "OFFLINE"].map((status) => ({
          ...gauge("agents", "agents by derived status", byStatus.get(status) ?? 0),
          labels: { status },
        })),
        gauge("ami_queue_data_available", "1 when queue members, pauses and wrap-up are known (read class agent)", ami.queueData.available ? 1 : 0),
        ...UNAVAILABLE_REASONS.map((reason) => ({
          ...gauge("agents_unavailable", "agents (users merged) by reason they cannot take a call", byReason.get(reason) ?? 0),
          labels: { reason },
        })),
      ];
    },
    async readiness() {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      try {
        await store.ping();
        checks.database = { ok: true };
      } catch (error) {
        checks.database = { ok: false, detail: (error as Error).message };
      }
      const ami = bridge.stats();
      checks.ami = service.isSynced ? { ok: true } : { ok: false, detail: ami.lastError ?? (service.isConnected ? "resync in progress" : "not connected") };
      const ready = Object.values(checks).every((c) => c.ok);
      // Informational: phones and presence are still right without queue data, so readiness does not depend on it.
      checks.queueData = ami.queueData.available ? { ok: true } : { ok: false, detail: ami.queueData.detail ?? "unknown" };
      return { ready, checks };
    },
  };

  const http = createHttpServer({
    host: config.http.host,
    port: config.http.port,
    schema: buildSchema(),
    services,
    probes,
    log: log.child({ module: "http" }),
    responseCacheTtlMs: config.cache.ttlMs,
    authenticator,
    corsOrigins: config.http.corsOrigins,
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestTimeoutMs: config.http.requestTimeoutMs,
    maxHeaderBytes: config.http.maxHeaderBytes,
    bodyLimitBytes: config.http.maxBodyBytes,
    ...config.ws,
    webRoot: config.web.enabled ? WEB_DIST_DIR : null,
    ...config.graphql,
  });
  const { url, port } = await http.start();
  bridge.start();
  log.info({ url, graphiql: config.graphql.graphiql ? `${url}/graphiql` : undefined, database: db.kind, ami: `${config.ami.host}:${config.ami.port}` }, "service started");

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    services,
    stop: () =>
      (stopping ??= (async () => {
        // Order: no new events, persist what we have, drain clients, close the database.
        clearInterval(usersTimer);
        service.stop();
        await bridge.stop();
        try {
          await writes.flush(Date.now() + config.shutdownTimeoutMs);
        } catch (error) {
          log.error({ err: error }, "could not store every pending write before shutdown");
        }
        await http.close();
        await db.close();
        log.info({}, "service stopped");
      })()),
  };
}
