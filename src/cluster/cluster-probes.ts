// What /readyz and /metrics say about the cluster: who leads each PBX, how far behind the stream this
// instance is, and how often it had to replay or take a new snapshot.
import type { MetricSample } from "../http/metrics.ts";
import type { ClusterNode } from "./cluster-node.ts";

type Check = { ok: boolean; detail?: string };

/** This instance serves the cluster's current state (Redis up, no missed records); names each PBX's leader. */
export function clusterReadiness(cluster: ClusterNode): Check {
  const status = cluster.status();
  const who = cluster
    .pbxStatuses()
    .map((pbx) => `PBX ${pbx.pbx} led by ${pbx.leading ? `this instance (${status.instance})` : (pbx.leader ?? "none")}`)
    .join("; ");
  if (!status.redisConnected) return { ok: false, detail: `${who}; Redis unreachable` };
  if (status.awaitingSnapshot) return { ok: false, detail: `${who}; waiting for a snapshot after missed records` };
  return { ok: true, detail: who };
}

/** A PBX this instance does not lead: its AMI link as its leader last reported it in the stream. */
export function followedPbxCheck(cluster: ClusterNode, pbx: string): Check {
  const status = cluster.pbxStatuses().find((one) => one.pbx === pbx);
  const link = status?.link ?? null;
  const leader = status?.leader ?? "none";
  if (!link) return { ok: false, detail: "no leader yet" };
  return link.synced ? { ok: true, detail: `via leader ${leader}` } : { ok: false, detail: `leader ${leader}: ${link.lastError ?? (link.connected ? "resync in progress" : "not connected")}` };
}

export function clusterMetrics(cluster: ClusterNode): MetricSample[] {
  const status = cluster.status();
  const gauge = (name: string, help: string, value: number, labels?: Record<string, string>): MetricSample => ({ name, help, type: "gauge", value, ...(labels ? { labels } : {}) });
  const counter = (name: string, help: string, value: number, labels?: Record<string, string>): MetricSample => ({ name, help, type: "counter", value, ...(labels ? { labels } : {}) });
  const c = cluster.counters;
  const perPbx = cluster.pbxStatuses().flatMap((pbx) => {
    const labels = { pbx: pbx.pbx };
    const commands = cluster.forwardedActions(pbx.pbx);
    return [
      gauge("cluster_leader", "1 while this instance reads the PBX's AMI", pbx.leading ? 1 : 0, labels),
      gauge("cluster_leader_epoch", "fencing epoch of the PBX's current leader as last seen", pbx.leaderEpoch ?? 0, labels),
      counter("cluster_elections_total", "times this instance became the PBX's leader", cluster.elections(pbx.pbx), labels),
      counter("cluster_depositions_total", "times this instance lost the PBX's leadership", cluster.depositions(pbx.pbx), labels),
      counter("cluster_forwarded_commands_total", "CRM commands this instance sent to the PBX's leader", commands.forwarded, labels),
      counter("cluster_served_commands_total", "other instances' commands this leader sent to the PBX", commands.served, labels),
    ];
  });
  return [
    ...perPbx,
    gauge("cluster_redis_connected", "1 when the stream's Redis connection is up", status.redisConnected ? 1 : 0),
    gauge("cluster_stream_lag_seconds", "age of the newest stream record applied here (Redis lag; grows when idle too)", (status.lagMs ?? 0) / 1000),
    gauge("cluster_stream_seq", "seq of the last agent change delivered here", status.seq),
    counter("cluster_records_applied_total", "stream records applied", c.recordsApplied),
    counter("cluster_gaps_total", "records found missing (past the retained window, or lost by Redis)", c.gaps),
    counter("cluster_snapshots_loaded_total", "snapshots loaded (stream start, replay after a gap)", c.snapshotsLoaded),
    counter("cluster_resnapshots_total", "times every subscriber here was sent a new snapshot", c.resnapshots),
    counter("cluster_stream_resets_total", "appends refused because Redis lost the stream (a new one is started)", c.resets),
    counter("cluster_fenced_appends_total", "records refused by Redis because a newer leader of their PBX exists", c.fencedAppends),
    counter("cluster_stale_leader_records_total", "records of a deposed leader ignored", c.staleLeaderRecords),
  ];
}
