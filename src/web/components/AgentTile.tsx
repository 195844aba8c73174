// One agent: name, extension, status (colour and word), time in state, and what else keeps them
// from a call (DND, presence, pause reason, wrap-up countdown). Contacts show on hover and focus.
import { memo } from "react";
import type { Agent } from "../lib/live-agents.ts";
import { REASON_LABEL, STATUS_LABEL } from "../lib/labels.ts";
import { Since, Until } from "./Elapsed.tsx";

function notes(agent: Agent): string[] {
  const out: string[] = [];
  if (agent.dnd) out.push("DND");
  const p = agent.presence;
  if (p && !["AVAILABLE", "NOT_SET", "CHAT", "DND"].includes(p.state)) out.push(`${p.state === "XA" ? "Extended away" : p.state === "AWAY" ? "Away" : "Unavailable"}${p.message || p.subtype ? `: ${p.message || p.subtype}` : ""}`);
  const paused = agent.queues.filter((q) => q.paused);
  if (paused.length > 0) out.push(`Paused${paused[0]?.pausedReason ? `: ${paused[0].pausedReason}` : ""}${paused.length < agent.queues.length ? ` (${paused.map((q) => q.queue).join(", ")})` : ""}`);
  return out;
}

function wrapUpEnd(agent: Agent): number | null {
  let end: number | null = null;
  for (const q of agent.queues) {
    const until = q.wrapUpUntil ? Date.parse(q.wrapUpUntil) : null;
    if (until !== null && until > Date.now() && (end === null || until > end)) end = until;
  }
  return end;
}

export const AgentTile = memo(function AgentTile({ agent, since }: { agent: Agent; since: number }) {
  const wrapUp = wrapUpEnd(agent);
  const extras = notes(agent);
  const tooltipId = `contacts-${agent.id}`;
  // The phone is free but the person is not (DND, away, paused, wrap-up): say why, in its own colour.
  const held = agent.status === "AVAILABLE" && !agent.available;
  const badge = held ? REASON_LABEL[agent.reasons[0] ?? "STALE"] : STATUS_LABEL[agent.status];
  return (
    <li
      className={`tile status-${agent.status}${agent.available ? " is-available" : ""}${agent.stale ? " is-stale" : ""}`}
      tabIndex={0}
      aria-describedby={tooltipId}
      data-agent-id={agent.id}
      data-status={agent.status}
    >
      <div className="tile-head">
        <span className="tile-name">{agent.name ?? `Extension ${agent.extension}`}</span>
        <span className="tile-ext">{agent.extensions.map((e) => e.extension).join(" · ")}</span>
      </div>
      <div className="tile-status">
        <span className={held ? "badge badge-held" : "badge"}>{badge}</span>
        <span className="tile-time" aria-label="time in state">
          <Since at={since} />
        </span>
      </div>
      {(extras.length > 0 || wrapUp !== null) && (
        <ul className="tile-notes">
          {extras.map((note) => (
            <li key={note}>{note}</li>
          ))}
          {wrapUp !== null && (
            <li className="wrapup">
              Wrap-up <Until at={wrapUp} />
            </li>
          )}
        </ul>
      )}
      <div className="tile-contacts" role="tooltip" id={tooltipId}>
        {agent.contacts.length === 0 ? (
          "No registered contact"
        ) : (
          <ul>
            {agent.contacts.map((c) => (
              <li key={c.id}>
                {c.uri} — {c.status}
                {c.roundtripUsec !== null ? `, ${(c.roundtripUsec / 1000).toFixed(1)} ms` : ""}
                {c.userAgent ? `, ${c.userAgent}` : ""}
              </li>
            ))}
          </ul>
        )}
      </div>
    </li>
  );
});
