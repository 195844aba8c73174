// JSON for the REST endpoints, in which epoch-ms fields named *At / ts are ISO strings, as in GraphQL.
import type { ResyncResult } from "../service/availability-service.ts";
import type { ChangeEvent } from "../events/status-hub.ts";
import type { StoredAgent } from "../domain/ports.ts";

/** Any value: every numeric `ts` / `…At` field, at any depth, becomes an ISO string. */
export function jsonWithDates(value: object): string {
  return JSON.stringify(value, isoDates);
}

function isoDates(key: string, value: unknown): unknown {
  return typeof value === "number" && (key === "ts" || key.endsWith("At")) ? new Date(value).toISOString() : value;
}

/**
 * A resync's answer, byte for byte what jsonWithDates makes (a test holds them equal), but without a
 * replacer: a replacer takes JSON.stringify off its fast path, and the answer after a full resync
 * holds every changed agent (5,000: 0.3 s of blocked event loop, the writes waiting behind it).
 */
export function resyncJson(result: ResyncResult): string {
  return JSON.stringify({ ...result, changed: result.changed.map(changeWithDates), ts: iso(result.ts) });
}

function changeWithDates(change: ChangeEvent): object {
  const agent = { ...agentWithDates(change.agent), extensions: change.agent.extensions.map(agentWithDates) };
  return { ...change, agent, ts: iso(change.ts) };
}

function agentWithDates(agent: StoredAgent): object {
  return { ...agent, updatedAt: iso(agent.updatedAt) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
