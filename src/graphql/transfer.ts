// The transfer check: the same rule as availableAgents, with every reason a transfer is refused.
import { reasonsFor } from "../domain/agent/merge.ts";
import type { AgentModel, TransferCheckModel } from "./models.ts";

export function checkTransfer(to: string, from: string | null, agent: AgentModel | null, queue: string | null, now: number): TransferCheckModel {
  if (!agent) return { ok: false, reason: "UNKNOWN_EXTENSION", message: `extension ${to} does not exist in Asterisk`, agent: null, reasons: [] };
  const reasons = reasonsFor(agent, queue, now);
  if (from !== null && (from === to || agent.extensions.some((e) => e.extension === from))) {
    return { ok: false, reason: "SAME_EXTENSION", message: "cannot transfer a call to the caller", agent, reasons };
  }
  if (reasons.includes("STALE")) return { ok: false, reason: "STALE", message: "Asterisk is not connected: availability unknown", agent, reasons };
  if (reasons.includes("NOT_IN_QUEUE")) return { ok: false, reason: "NOT_IN_QUEUE", message: `extension ${to} is not a member of queue ${queue}`, agent, reasons };
  if (reasons.length > 0) {
    const where = queue === null ? "" : ` for queue ${queue}`;
    return { ok: false, reason: "NOT_AVAILABLE", message: `extension ${to} is not available${where}: ${reasons.join(", ")}`, agent, reasons };
  }
  return { ok: true, reason: null, message: null, agent, reasons };
}
