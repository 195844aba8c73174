// Per-queue figures for dashboards, from the agents' memberships (no AMI call).
import { reasonsFor } from "../domain/agent/merge.ts";
import type { AgentModel } from "./models.ts";

export interface QueueSummaryModel {
  queue: string;
  members: number;
  available: number;
  paused: number;
  inWrapUp: number;
}

export function queueSummaries(agents: readonly AgentModel[], now: number): QueueSummaryModel[] {
  const byQueue = new Map<string, QueueSummaryModel>();
  for (const agent of agents) {
    for (const queue of new Set(agent.queues.map((m) => m.queue))) {
      const summary = byQueue.get(queue) ?? { queue, members: 0, available: 0, paused: 0, inWrapUp: 0 };
      const reasons = reasonsFor(agent, queue, now);
      summary.members += 1;
      if (reasons.length === 0) summary.available += 1;
      if (reasons.includes("PAUSED")) summary.paused += 1;
      if (reasons.includes("WRAP_UP")) summary.inWrapUp += 1;
      byQueue.set(queue, summary);
    }
  }
  return [...byQueue.values()].sort((a, b) => (a.queue < b.queue ? -1 : 1));
}
