// The composition root: the one place that builds every object and wires the ports together.
// No environment access and no process handling here: main.ts owns those.
import { EventEmitter } from "node:events";
import { PubSub } from "graphql-subscriptions";
import type { Config, PbxConfig } from "./config.ts";
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
import { combinedWriteBuffer, createWriteBuffer } from "./store/write-buffer.ts";
import { StatusCache } from "./cache/status-cache.ts";
import { AgentReader } from "./cache/agent-reader.ts";
import { StatusHub } from "./events/status-hub.ts";
import { AvailabilityService } from "./service/availability-service.ts";
import { buildSchema } from "./graphql/schema.ts";
import type { GraphQLServices } from "./graphql/context.ts";
import type { AmiStatusModel, DatabaseModeModel, SnapshotModel } from "./graphql/models.ts";
import { compareExtensions } from "./cache/agent-reader.ts";
import { createHttpServer } from "./http/server.ts";
import { WEB_DIST_DIR } from "./http/static-files.ts";
import { Authenticator } from "./http/auth.ts";
import { RevocationList } from "./http/revocations.ts";
import { RevocationStore } from "./store/revocation-store.ts";
import { CredentialRevocations } from "./service/credential-revocations.ts";
import { limitRefresh } from "./graphql/refresh-limiter.ts";
import { DatabaseHealth } from "./store/database-health.ts";
import { settledWithin } from "./deadline.ts";
import type { Probes } from "./http/rest.ts";
import type { AmiListener } from "./domain/ports.ts";
import type { AgentState } from "./domain/types.ts";
import type { CompatEventModel } from "./events/status-hub.ts";
import type { ClusterNode } from "./cluster/cluster-node.ts";
import { clusterMetrics, clusterReadiness, followedPbxCheck } from "./cluster/cluster-probes.ts";
import { statsOfLink } from "./cluster/link-stats.ts";
import { AmiNotConnectedError } from "./ami/ami-errors.ts";
import type { AmiBridgeStats } from "./ami/ami-bridge.ts";
import type { ResyncResult } from "./service/availability-service.ts";
import type { WriteFence } from "./store/prisma-status-store.ts";
import { ExtensionOwners } from "./domain/pbx/extension-owners.ts";
import { PbxGate } from "./service/pbx-gate.ts";
import { combinedStats, PbxFleet, type PbxMember } from "./service/pbx-fleet.ts";
import type { PbxStatusModel } from "./graphql/models.ts";
import { IdleMemoryRelease } from "./memory/idle-release.ts";
import { releaseHeapMemory } from "./memory/heap-release.ts";

export interface App {
  /** Listening URL (http://host:port). */
  readonly url: string;
  readonly port: number;
  readonly services: GraphQLServices;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Abandons a start-up that waits for the database (a stop signal during start-up). */
  signal?: AbortSignal;
}

export async function startApp(config: Config, log: Log, options: StartOptions = {}): Promise<App> {
  // Start-up waits for the database (up to DB_STARTUP_WAIT_MS for a refused or silent one) and then
  // fails with a clear cause: without its migrations and persisted state the service is not known good,
  // and a supervisor restarting it is the simplest correct retry. Once started, it survives any outage.
  const db = await openDatabase({
    url: config.db.url,
    dataDir: config.db.dataDir,
    migrate: true,
    log: log.child({ module: "db" }),
    connectionTimeoutMs: config.db.connectTimeoutMs,
    queryTimeoutMs: config.db.queryTimeoutMs,
    startupWaitMs: config.db.startupWaitMs,
    signal: options.signal,
    realtime: config.db.realtime,
    pglite: config.db.pglite,
  });
  // Several instances (REDIS_URL): every write is fenced on this instance's leadership of the row's PBX,
  // so each PBX has its own write buffer and store there (one buffer otherwise).
  let cluster: ClusterNode | null = null;
  const storeWith = (fence?: () => WriteFence) => new PrismaStatusStore(db.prisma, db.layout, fence, config.pbxs[0]!.name);
  const store = storeWith();
  const databaseMode: DatabaseModeModel = db.layout.kind === "asterisk-realtime" ? "ASTERISK_REALTIME" : db.kind === "postgres" ? "POSTGRESQL" : "EMBEDDED";
  const newWriteBuffer = (target: PrismaStatusStore) =>
    createWriteBuffer({ store: target, flushIntervalMs: config.db.flushIntervalMs, maxBatch: config.db.maxBatch, log: log.child({ module: "write-buffer" }) });
  const pbxWrites = new Map(config.cluster ? config.pbxs.map((pbx) => [pbx.name, newWriteBuffer(storeWith(() => cluster?.fence(pbx.name) ?? "deposed"))] as const) : []);
  const writes = config.cluster ? combinedWriteBuffer([...pbxWrites.values()]) : newWriteBuffer(store);
  const health = new DatabaseHealth({
    ping: () => store.ping(),
    writes: () => writes.stats(),
    timeoutMs: config.db.readTimeoutMs,
    intervalMs: config.db.healthIntervalMs,
    log: log.child({ module: "db" }),
  });

  const queuePolicy: QueuePolicy = {
    wrapUpSeconds: (queue) => config.agents.wrapUpSeconds[queue] ?? config.agents.defaultWrapUpSeconds,
    sharedLastCall: config.agents.sharedLastCall,
  };
  const roster = new AgentRoster();

  const cache = new StatusCache(config.cache.ttlMs);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0); // one listener per subscriber: thousands are expected
  const hub = new StatusHub(new PubSub({ eventEmitter: emitter }));
  // One process: each PBX's service feeds the roster, the cache and the hub directly. Several: it appends
  // to the cluster's Redis stream instead, and every instance (its leader too) feeds its cache and hub from
  // there, its agent changes made by the replica's roster (so one `seq` for the cluster).
  const viaCluster = (pbx: string) => {
    let ports: ReturnType<ClusterNode["publisherFor"]> | null = null;
    const get = () => (ports ??= cluster!.publisherFor(pbx));
    return {
      cache: { applyState: (extension: string, state: AgentState | null) => get().cache.applyState(extension, state) },
      hub: { publishChange: () => undefined, publishCompat: (event: CompatEventModel) => get().hub.publishCompat(event), compatWanted: true },
      roster: {
        apply: (extension: string, state: AgentState | null, known?: boolean) => get().roster.apply(extension, state, known),
        setDirectory: () => [],
        get size() {
          return get().roster.size;
        },
      },
    };
  };
  // Several PBXs (AMI_PBXS): each its own AMI bridge, tracker (so its own staleness) and service, all
  // feeding one roster, cache, hub and write buffer. The owners keep an extension on one PBX (in a
  // cluster also against the PBXs other instances lead, as the stream says).
  const several = config.pbxs.length > 1;
  const pbxLog = (module: string, pbx: PbxConfig) => log.child(several ? { module, pbx: pbx.name } : { module });
  const owners = new ExtensionOwners(
    (pbx, collision) => log.warn({ module: "pbx", pbx, extension: collision.extension, owner: collision.owner }, "extension reported by two PBXs: served from the PBX that reported it first only"),
    config.cluster ? (extension) => cluster?.replica.get(extension)?.pbx ?? null : undefined,
  );
  const newBridge = (pbx: PbxConfig, listener: AmiListener) =>
    new AmiBridge({ ...config.ami, host: pbx.host, port: pbx.port, username: pbx.username, secret: pbx.secret, naming: config.agents.naming, listener, log: pbxLog("ami", pbx) });
  const gates = new Map<string, PbxGate>();
  const members = config.pbxs.map((pbx): PbxMember => {
    const tracker = new AvailabilityTracker(Date.now, queuePolicy, pbx.name);
    const ports = config.cluster ? viaCluster(pbx.name) : null;
    const service = new AvailabilityService(tracker, ports?.roster ?? roster, pbxWrites.get(pbx.name) ?? writes, ports?.cache ?? cache, ports?.hub ?? hub, pbxLog("service", pbx));
    const gate = new PbxGate(pbx.name, owners, service);
    gates.set(pbx.name, gate);
    // In a cluster this bridge is never started: each leadership term makes its own.
    return { name: pbx.name, tracker, service, bridge: newBridge(pbx, gate) };
  });
  const fleet = new PbxFleet(members as [PbxMember, ...PbxMember[]], owners);
  if (config.cluster) {
    // Loaded only here: Redis's client is a good share of module loading, and one instance never needs it.
    const { ClusterNode } = await import("./cluster/cluster-node.ts");
    cluster = new ClusterNode({
      config: config.cluster,
      databaseUrl: config.db.url!,
      connectTimeoutMs: config.db.connectTimeoutMs,
      log: log.child({ module: "cluster" }),
      members: config.pbxs.map((pbx) => {
        const member = fleet.members.find((one) => one.name === pbx.name)!;
        return { name: pbx.name, tracker: member.tracker, service: gates.get(pbx.name)!, newReader: (listener: AmiListener) => newBridge(pbx, listener) };
      }),
      hub,
      cache,
      forwardTimeoutMs: config.ami.actionTimeoutMs + 2_000,
    });
  }
  /** The PBX an extension is on: its owner here, or in a cluster the stream's state of it (else the first PBX). */
  const pbxOf = (extension: string | undefined): PbxMember => {
    if (extension === undefined) return fleet.first;
    const named = cluster?.replica.get(extension)?.pbx;
    return (named !== undefined ? fleet.members.find((member) => member.name === named) : fleet.memberOf(extension)) ?? fleet.first;
  };
  /** What this instance knows of one PBX's AMI: its own bridge, or in a cluster the leader's link for a PBX led elsewhere. */
  const pbxView = (member: PbxMember): { connected: boolean; synced: boolean; stats: AmiBridgeStats; leader: string | null } => {
    if (!cluster) return { connected: member.service.isConnected, synced: member.service.isSynced, stats: member.bridge.stats(), leader: null };
    const reader = cluster.readerOf(member.name);
    if (reader) return { connected: member.service.isConnected, synced: member.service.isSynced, stats: reader.stats(), leader: config.cluster!.instanceId };
    const link = cluster.replica.links.get(member.name) ?? null;
    return { connected: link?.connected ?? false, synced: link?.synced ?? false, stats: statsOfLink(link), leader: link?.leader ?? null };
  };
  if (config.auth.mode === "open") {
    // Said at every start, so an open production deployment is never a surprise.
    log.warn({ authMode: "open", env: config.env }, "authentication is OFF (AUTH_MODE=open): anyone who reaches this port can read every agent and force resyncs");
  }
  const revocationList = new RevocationList();
  const authenticator = new Authenticator(config.auth, Date.now, revocationList);
  const revocations = new CredentialRevocations(revocationList, new RevocationStore(db.prisma), {
    refreshMs: config.auth.revocationRefreshMs,
    retentionS: config.auth.revocationRetentionS,
    // Not on a read path (requests check the list in memory): the pool's statement deadline.
    timeoutMs: config.db.queryTimeoutMs,
    log: log.child({ module: "auth" }),
  });
  // A reload nobody waits for may take as long as the pool lets a statement run.
  const reader = new AgentReader(store, cache, cluster ? cluster.replica : fleet, log.child({ module: "reader" }), config.db.readTimeoutMs, config.db.queryTimeoutMs);
  // To the PBX the extension is on (its bridge; in a cluster that PBX leader's AMI session, through Redis
  // when another instance leads it).
  const commands = new AgentCommands((fields, extension) => (cluster ? cluster.sendAction(pbxOf(extension).name)(fields) : pbxOf(extension).bridge.command(fields)), config.agents.naming, (extension, queue) => {
    const live = cluster ? cluster.replica.get(extension) : pbxOf(extension).tracker.get(extension);
    const member = live?.queues.find((m) => queue === null || m.queue === queue);
    return member?.interface ?? null;
  });

  // The CRM's users decide which extensions are one agent: loaded now, after every resync and periodically.
  const usersLog = log.child({ module: "users" });
  const loadUsers = async () => {
    try {
      // In a cluster: what the stream's directory was when this load started (a newer one published meanwhile wins).
      const since = cluster?.replica.directoryVersion ?? 0;
      const [users, endpointNames] = await Promise.all([store.loadDirectory(), store.loadEndpointNames()]);
      const directory = new Directory(users, endpointNames);
      if (cluster) cluster.publishDirectory(directory, since);
      else fleet.first.service.setDirectory(directory);
    } catch (error) {
      usersLog.warn({ err: (error as Error).message }, "could not load users; agents keep their last grouping");
    }
  };
  try {
    await loadUsers();
    // Serve the persisted state at once (stale) and reconcile when AMI is up: each row to its own PBX.
    fleet.restore(await store.loadAll());
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  const usersTimer = setInterval(() => void loadUsers(), config.agents.usersRefreshMs);
  usersTimer.unref();
  for (const member of fleet.members) member.service.onResync(() => void loadUsers());

  /** Every PBX's AMI stats as one (one PBX: its own). */
  const amiStats = () => combinedStats(fleet.members.map((member) => ({ name: member.name, stats: pbxView(member).stats })));
  // A resync's garbage is handed back to the OS once the service has been quiet (no AMI message, no
  // HTTP request) for a while: the release blocks the event loop, so never under traffic.
  let httpRequests = 0;
  const memoryRelease = new IdleMemoryRelease({
    idleMs: config.memoryReleaseIdleMs,
    activity: () => {
      const ami = amiStats();
      return ami.eventsProcessed + ami.eventsIgnored + ami.malformed + ami.resyncs + httpRequests;
    },
    release: releaseHeapMemory,
    log: log.child({ module: "memory" }),
  });
  for (const member of fleet.members) member.service.onResync(() => memoryRelease.arm());
  // The list the reads answer from, loaded once the resync's states have been handed to the store (one
  // flush later): the first request after a (re)start then finds it instead of waiting for the store.
  let warmTimer: NodeJS.Timeout | undefined;
  for (const member of fleet.members) {
    member.service.onResync(() => {
      clearTimeout(warmTimer);
      warmTimer = setTimeout(() => reader.warm(), config.db.flushIntervalMs).unref();
    });
  }
  const pbxStatuses = (): PbxStatusModel[] =>
    fleet.statuses().map((status) => {
      const view = pbxView(fleet.members.find((member) => member.name === status.name)!);
      return {
        name: status.name,
        connected: view.connected,
        synced: view.synced,
        agents: cluster ? cluster.replica.statesOf(status.name).length : status.agents,
        reconnects: view.stats.reconnects,
        lastEventAt: view.stats.lastEventAt,
        lastResyncAt: view.stats.lastResyncAt,
        lastError: view.stats.lastError,
        collisions: status.collisions,
        leader: view.leader,
      };
    });

  /** Per PBX, labelled `pbx` (several PBXs only: the unlabelled series above combine them). */
  const pbxMetrics = () =>
    pbxStatuses().flatMap((status) => [
      { name: "pbx_ami_connected", help: "1 when logged in to this PBX's AMI", type: "gauge" as const, value: status.connected ? 1 : 0, labels: { pbx: status.name } },
      { name: "pbx_synced", help: "1 when this PBX's agents are fresh (logged in and resynced)", type: "gauge" as const, value: status.synced ? 1 : 0, labels: { pbx: status.name } },
      { name: "pbx_agents", help: "extensions served from this PBX", type: "gauge" as const, value: status.agents, labels: { pbx: status.name } },
      { name: "pbx_extension_collisions", help: "extensions this PBX reports that another PBX owns (not served from it)", type: "gauge" as const, value: status.collisions.length, labels: { pbx: status.name } },
    ]);

  const amiStatus = (): AmiStatusModel => {
    const ami = amiStats();
    const stored = writes.stats();
    const database = health.state();
    // In a cluster, a PBX led elsewhere is as its leader's link says in the stream.
    const pbxs = pbxStatuses();
    return {
      connected: pbxs.every((pbx) => pbx.connected),
      synced: pbxs.every((pbx) => pbx.synced),
      reconnects: ami.reconnects,
      lastEventAt: ami.lastEventAt,
      lastResyncAt: ami.lastResyncAt,
      lastError: ami.lastError,
      eventsProcessed: ami.eventsProcessed,
      eventsIgnored: ami.eventsIgnored,
      cacheHits: cache.hits,
      cacheMisses: cache.misses,
      pendingWrites: stored.pending,
      databaseUp: database.up,
      databaseError: database.detail,
      oldestPendingWriteAgeMs: stored.oldestPendingAt === null ? null : Date.now() - stored.oldestPendingAt,
      lastWriteError: stored.lastError,
      lastWriteErrorAt: stored.lastErrorAt,
      queueDataAvailable: ami.queueData.available,
      queueDataDetail: ami.queueData.detail,
      cluster: cluster ? cluster.status() : null,
      databaseMode,
      pbxs,
    };
  };

  const snapshot = async (extensions: readonly string[] | null): Promise<SnapshotModel> => {
    // The live roster, read synchronously: it matches `seq` exactly, names included, no database.
    // Only the watched agents: 10,000 dashboards must not each copy every agent.
    // In a cluster: the replica, as of the last record this instance delivered to its subscribers.
    const live = cluster ? { seq: cluster.replica.seq, agentOf: (e: string) => cluster!.replica.agentOf(e), views: () => cluster!.replica.agentViews() } : null;
    const seq = live ? live.seq : roster.lastSeq;
    let agents;
    if (extensions && extensions.length > 0) {
      const byId = new Map(extensions.map((e) => (live ? live.agentOf(e) : roster.agentOf(e))).filter((a) => a !== null).map((a) => [a.id, a]));
      agents = [...byId.values()];
    } else {
      agents = live ? live.views() : roster.views();
    }
    agents.sort((a, b) => compareExtensions(a.extension, b.extension));
    return { kind: "snapshot", agents, seq, ts: Date.now(), ...(cluster ? { epoch: cluster.replica.epoch ?? hub.epoch } : {}) };
  };

  /** refreshStatuses in a cluster: a resync of every PBX this instance leads (their changes reach subscribers through the stream). */
  const refreshLed = async (node: ClusterNode): Promise<ResyncResult> => {
    const led = fleet.members.filter((member) => node.leads(member.name));
    if (led.length === 0) throw new AmiNotConnectedError("AMI resync: this instance reads no PBX's AMI (another instance leads every PBX)");
    const results = await Promise.all(led.map((member) => member.service.nextSnapshot(() => node.readerOf(member.name)!.refresh())));
    return { changed: results.flatMap((result) => result.changed), agents: node.replica.agentCount, ts: Math.max(...results.map((result) => result.ts)) };
  };

  const services: GraphQLServices = {
    reader,
    hub,
    amiStatus,
    snapshot,
    // Users first, so the result counts agents as the CRM groups them now; a stalled database gets
    // DB_READ_TIMEOUT_MS, then the last grouping is used (the reload goes on in the background).
    // Concurrent callers share one resync; a new one at most once per REFRESH_MIN_INTERVAL_MS.
    refresh: limitRefresh(async () => {
      await settledWithin(loadUsers(), config.db.readTimeoutMs);
      return cluster ? refreshLed(cluster) : fleet.refresh();
    }, config.refresh.minIntervalMs),
    directory: () => (cluster ? cluster.replica.directory : roster.currentDirectory),
    commands,
    revocations,
  };

  const probes: Probes = {
    metrics: () => {
      const ami = amiStats();
      const store = writes.stats();
      const database = health.state();
      const byStatus = new Map<string, number>();
      for (const agent of (cluster ? cluster.replica : fleet).list()) byStatus.set(agent.status, (byStatus.get(agent.status) ?? 0) + 1);
      const byReason = new Map<string, number>();
      for (const agent of cluster ? cluster.replica.agentViews() : roster.views()) for (const reason of agent.reasons) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
      const gauge = (name: string, help: string, value: number) => ({ name, help, type: "gauge" as const, value });
      const counter = (name: string, help: string, value: number) => ({ name, help, type: "counter" as const, value });
      return [
        gauge("ami_connected", "1 when logged in to AMI", ami.connected ? 1 : 0),
        gauge("ami_synced", "1 when the last (re)connect has been followed by a full resync", ami.synced ? 1 : 0),
        counter("ami_reconnects_total", "AMI reconnections", ami.reconnects),
        counter("ami_events_processed_total", "AMI events used", ami.eventsProcessed),
        counter("ami_events_ignored_total", "AMI events not used by this service", ami.eventsIgnored),
        counter("ami_events_malformed_total", "AMI events and list items that could not be read", ami.malformed),
        counter("ami_resyncs_total", "completed full resyncs", ami.resyncs),
        counter("ami_resync_failures_total", "failed resyncs", ami.resyncFailures),
        counter("memory_releases_total", "times unused heap memory was returned to the OS after a resync and MEMORY_RELEASE_IDLE_MS of quiet", memoryRelease.releases),
        gauge("database_up", "1 when the database answers within DB_READ_TIMEOUT_MS and accepts writes", database.up ? 1 : 0),
        gauge("database_reachable", "1 when the last background ping answered within DB_READ_TIMEOUT_MS", database.reachable ? 1 : 0),
        gauge("store_pending_writes", "extensions waiting to be written", store.pending),
        gauge("store_oldest_pending_write_age_seconds", "age of the oldest change not stored yet (0: none)", store.oldestPendingAt === null ? 0 : (Date.now() - store.oldestPendingAt) / 1000),
        gauge("store_last_write_error_timestamp_seconds", "when a write batch last failed (0: never)", store.lastErrorAt === null ? 0 : store.lastErrorAt / 1000),
        gauge("store_last_flush_timestamp_seconds", "when a write batch was last stored (0: never)", store.lastFlushAt === null ? 0 : store.lastFlushAt / 1000),
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
        ...(cluster ? clusterMetrics(cluster) : []),
        ...(several ? pbxMetrics() : []),
      ];
    },
    // Ready = AMI logged in and resynced: then every answer is Asterisk's current state, served from memory.
    // The database is reported, not required: with it away the API still answers correctly (names from
    // the CRM's users table may be missing) and writes wait in memory, so a database outage must not
    // take every instance out of a load balancer. Alert on database_up instead. Answers from memory only.
    // Several PBXs: ready while at least one is synced (every instance sees the same PBX down, and taking
    // them all out of the load balancer would also hide the agents of the PBXs that are up); `ami:<name>`
    // says each one, and its agents are stale meanwhile.
    async readiness() {
      const ami = amiStats();
      const database = health.state();
      // In a cluster: this instance must serve the stream's current state at all; a PBX it does not lead is
      // as its leader's link says.
      const served = cluster ? clusterReadiness(cluster) : null;
      const pbxCheck = (member: PbxMember): { ok: boolean; detail?: string } => {
        if (served && !served.ok) return { ok: false, detail: served.detail! };
        if (cluster && !cluster.leads(member.name)) return followedPbxCheck(cluster, member.name);
        return member.service.isSynced ? { ok: true } : { ok: false, detail: pbxView(member).stats.lastError ?? (member.service.isConnected ? "resync in progress" : "not connected") };
      };
      const perPbx = fleet.members.map((member) => [`ami:${member.name}`, pbxCheck(member)] as const);
      const down = perPbx.filter(([, check]) => !check.ok);
      const checks: Record<string, { ok: boolean; detail?: string }> = {
        ami: several ? (down.length === 0 ? { ok: true } : { ok: false, detail: down.map(([name, check]) => `${name.slice(4)}: ${check.detail}`).join("; ") }) : perPbx[0]![1],
        database: database.up ? { ok: true } : { ok: false, detail: database.detail ?? "down" },
      };
      if (several) Object.assign(checks, Object.fromEntries(perPbx));
      if (served) checks.cluster = served;
      // Informational: phones and presence are still right without queue data, so readiness does not depend on it.
      checks.queueData = ami.queueData.available ? { ok: true } : { ok: false, detail: ami.queueData.detail ?? "unknown" };
      return { ready: several ? down.length < perPbx.length : checks.ami!.ok, checks, databaseMode };
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
    responseCacheMaxEntries: config.cache.responseMaxEntries,
    responseCacheMaxBytes: config.cache.responseMaxBytes,
    authenticator,
    onRevocationsChanged: (listener) => revocationList.onChange(listener),
    corsOrigins: config.http.corsOrigins,
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestTimeoutMs: config.http.requestTimeoutMs,
    maxHeaderBytes: config.http.maxHeaderBytes,
    bodyLimitBytes: config.http.maxBodyBytes,
    ...config.ws,
    webRoot: config.web.enabled ? WEB_DIST_DIR : null,
    // In-flight requests get a share of the stop budget, then their sockets are closed.
    drainMs: Math.max(50, Math.floor(config.shutdownTimeoutMs / 2)),
    ...config.graphql,
  });
  http.server.on("request", () => void httpRequests++);
  let url: string;
  let port: number;
  try {
    // Before serving tokens: a credential revoked before this start is refused from the first request.
    if (config.auth.mode === "token") await revocations.start();
    ({ url, port } = await http.start());
  } catch (error) {
    revocations.stop();
    await db.close().catch(() => undefined);
    throw error;
  }
  health.start();
  if (cluster) {
    try {
      await cluster.start();
    } catch (error) {
      await http.close().catch(() => undefined);
      await db.close().catch(() => undefined);
      throw error;
    }
  } else {
    for (const member of fleet.members) member.bridge.start();
  }
  const amiWhere = config.pbxs.map((pbx) => (several ? `${pbx.name}=${pbx.host}:${pbx.port}` : `${pbx.host}:${pbx.port}`)).join(", ");
  log.info({ url, graphiql: config.graphql.graphiql ? `${url}/graphiql` : undefined, database: db.kind, ami: amiWhere }, "service started");

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    services,
    stop: () =>
      (stopping ??= (async () => {
        // One budget for the whole stop, whatever AMI and the database are doing: each step gets what is
        // left, and what could not be stored is named in the log (the process exits 0 either way: a
        // requested stop is not a crash).
        const deadline = Date.now() + config.shutdownTimeoutMs;
        const left = () => Math.max(0, deadline - Date.now());
        // Order: no new events, persist what we have while HTTP drains, close the database.
        health.stop();
        revocations.stop();
        memoryRelease.stop();
        clearInterval(usersTimer);
        clearTimeout(warmTimer);
        for (const member of fleet.members) member.service.stop();
        // Logoff is answered in milliseconds by a live Asterisk; a frozen one must not hold the stop.
        const loggedOff = cluster ? cluster.stopReading() : Promise.all(fleet.members.map((member) => member.bridge.stop()));
        if (!(await settledWithin(loggedOff, Math.min(250, left())))) log.warn({}, "AMI logoff unanswered; closing anyway");
        // Keep ~20 % of the budget for closing the database.
        const flushed = writes.flush(deadline - Math.floor(config.shutdownTimeoutMs / 5)).then(
          () => true,
          (error: unknown) => {
            log.error({ err: error instanceof Error ? error.message : error }, "stopping without storing every pending write (they are lost; Asterisk's next resync restores the truth)");
            return false;
          },
        );
        const drained = http.close();
        const [stored] = await Promise.all([flushed, settledWithin(drained, left())]);
        // The lead is released only now, once this leader's writes are stored (or given up).
        if (cluster && !(await settledWithin(cluster.stop(), Math.min(250, left())))) log.warn({}, "cluster stop unfinished; exiting anyway");
        // PGlite closes in-process and writes its files as it closes: always wait for it. A PostgreSQL
        // server that does not answer gets what is left of the budget.
        if (db.kind === "pglite") await db.close();
        else if (!(await settledWithin(db.close(), left()))) log.warn({ database: db.where }, "database close unanswered; exiting anyway");
        log.info({ pendingWritesStored: stored, ms: config.shutdownTimeoutMs - left() }, "service stopped");
      })()),
  };
}
