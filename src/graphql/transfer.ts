// The transfer check: the same data as availableAgents, with the reason a transfer is refused.
import type { AgentModel, TransferCheckModel } from "./models.ts";

export function checkTransfer(to: string, from: string | null, agent: AgentModel | null): TransferCheckModel {
  if (!agent) return { ok: false, reason: "UNKNOWN_EXTENSION", message: `extension ${to} does not exist in Asterisk`, agent: null };
  if (from !== null && from === to) return { ok: false, reason: "SAME_EXTENSION", message: "cannot transfer a call to the caller", agent };
  if (agent.stale) return { ok: false, reason: "STALE", message: "Asterisk is not connected: availability unknown", agent };
  if (!agent.available) return { ok: false, reason: "NOT_AVAILABLE", message: `extension ${to} is ${agent.status}`, agent };
  return { ok: true, reason: null, message: null, agent };
}
