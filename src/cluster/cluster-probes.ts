// What /readyz and /metrics say about the cluster: who leads the PBX, how far behind the stream this
// instance is, and how often it had to replay or take a new snapshot.
import type { MetricSample } from "../http/metrics.ts";
import type { ClusterNode } from "./cluster-node.ts";

type Check = { ok: boolean; detail?: string };

/** Ready = this instance serves the cluster's current state and the PBX's leader is logged in and resynced. */
export function clusterReadiness(cluster: ClusterNode): Record<string, Check> {
  const status = cluster.status();
  const link = status.link;
  const leader = link?.leader ?? "none";
  const who = `${status.role}; PBX ${status.pbx} led by ${status.role === "leader" ? `this instance (${status.instance})` : leader}`;
  const checks: Record<string, Check> = {
    cluster: !status.redisConnected
      ? { ok: false, detail: `${who}; Redis unreachable` }
      : status.awaitingSnapshot
        ? { ok: false, detail: `${who}; waiting for a snapshot after missed records` }
        : { ok: true, detail: who },
  };
  // A follower's AMI check is the leader's link, as the stream reports it.
  if (status.role === "follower") checks.ami = link?.synced ? { ok: true, detail: `via leader ${leader}` } : { ok: false, detail: link ? `leader ${leader}: ${link.lastError ?? (link.connected ? "resync in progress" : "not connected")}` : "no leader yet" };
  if (!checks.cluster!.ok) checks.ami = { ok: false, detail: checks.cluster!.detail! };
  return checks;
}

export function clusterMetrics(cluster: ClusterNode): MetricSample[] {
  const status = cluster.status();
  const labels = { pbx: status.pbx };
  const gauge = (name: string, help: string, value: number): MetricSample => ({ name, help, type: "gauge", value, labels });
  const counter = (name: string, help: string, value: number): MetricSample => ({ name, help, type: "counter", value, labels });
  const c = cluster.counters;
  return [
    gauge("cluster_leader", "1 while this instance reads the PBX's AMI", status.role === "leader" ? 1 : 0),
    gauge("cluster_leader_epoch", "fencing epoch of the PBX's current leader as last seen", status.leaderEpoch ?? 0),
    counter("cluster_elections_total", "times this instance became the PBX's leader", cluster.elections),
    counter("cluster_depositions_total", "times this instance lost the PBX's leadership", cluster.depositions),
    gauge("cluster_redis_connected", "1 when both Redis connections are up", status.redisConnected ? 1 : 0),
    gauge("cluster_stream_lag_seconds", "age of the newest stream record applied here (Redis lag; grows when idle too)", (status.lagMs ?? 0) / 1000),
    gauge("cluster_stream_seq", "seq of the last agent change delivered here", status.seq),
    counter("cluster_records_applied_total", "stream records applied", c.recordsApplied),
    counter("cluster_gaps_total", "records found missing (past the retained window, or lost by Redis)", c.gaps),
    counter("cluster_snapshots_loaded_total", "snapshots loaded (stream start, replay after a gap)", c.snapshotsLoaded),
    counter("cluster_resnapshots_total", "times every subscriber here was sent a new snapshot", c.resnapshots),
    counter("cluster_fenced_appends_total", "records refused by Redis because a newer leader exists", c.fencedAppends),
    counter("cluster_stale_leader_records_total", "records of a deposed leader ignored", c.staleLeaderRecords),
    counter("cluster_forwarded_commands_total", "CRM commands this follower sent to the PBX's leader", cluster.forwardedActions.forwarded),
    counter("cluster_served_commands_total", "followers' commands this leader sent to Asterisk", cluster.forwardedActions.served),
  ];
}
