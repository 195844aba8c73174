// The transfer dialog: pick an agent from availableAgents (kept live), confirm with canTransfer, and
// see why when it is refused (the agent may have become busy since the list was drawn).
import { useContext, useEffect, useId, useRef, useState } from "react";
import type { CanTransferQuery } from "../gql/graphql.ts";
import { AvailableAgentsDocument, CanTransferDocument } from "../lib/documents.ts";
import { CredentialsContext, request } from "../lib/http.ts";
import { REASON_LABEL, REFUSAL_LABEL } from "../lib/labels.ts";
import { usePolledQuery } from "../lib/use-floor.ts";

export function TransferDialog(props: { open: boolean; onClose(): void; queues: readonly string[]; liveKey: unknown }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [from, setFrom] = useState("");
  const [queue, setQueue] = useState("");
  const [to, setTo] = useState<string | null>(null);
  const [check, setCheck] = useState<CanTransferQuery["canTransfer"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = useId();
  const credentials = useContext(CredentialsContext);
  const available = usePolledQuery(AvailableAgentsDocument, { exclude: from ? [from] : null, queue: queue || null }, 5_000, props.liveKey, props.open);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);

  useEffect(() => setCheck(null), [to, from, queue]);

  const confirm = async () => {
    if (!to) return;
    setError(null);
    try {
      const data = await request(CanTransferDocument, { to, from: from || null, queue: queue || null }, credentials);
      setCheck(data.canTransfer);
    } catch (e) {
      setError(String((e as Error).message ?? e));
    }
  };

  const candidates = available.data?.availableAgents ?? [];
  return (
    <dialog ref={dialog} className="transfer" aria-labelledby={`${ids}-title`} onClose={props.onClose}>
      <form method="dialog" onSubmit={(e) => e.preventDefault()}>
        <h2 id={`${ids}-title`}>Transfer a call</h2>
        <div className="transfer-fields">
          <label>
            Your extension
            <input value={from} inputMode="numeric" autoComplete="off" onChange={(e) => setFrom(e.target.value.trim())} placeholder="e.g. 1000" />
          </label>
          <label>
            Queue (optional)
            <select value={queue} onChange={(e) => setQueue(e.target.value)}>
              <option value="">Any</option>
              {props.queues.map((q) => (
                <option key={q} value={q}>
                  {q}
                </option>
              ))}
            </select>
          </label>
        </div>
        <fieldset className="transfer-list">
          <legend>
            Available now <span className="muted">({candidates.length})</span>
          </legend>
          {available.error && <p role="alert">Could not load available agents: {available.error}</p>}
          {candidates.length === 0 && !available.error && <p className="muted">Nobody is available{queue ? ` in ${queue}` : ""} right now.</p>}
          <ul>
            {candidates.map((agent) => (
              <li key={agent.id}>
                <label>
                  <input type="radio" name={`${ids}-to`} value={agent.extension} checked={to === agent.extension} onChange={() => setTo(agent.extension)} />
                  {agent.name ?? "Extension"} <span className="muted">{agent.extension}</span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        <div role="status" aria-live="polite" className="transfer-result" data-result={check ? (check.ok ? "ok" : "refused") : "none"}>
          {check?.ok && <p className="ok">✓ {check.agent?.name ?? to} ({to}) can take this call now.</p>}
          {check && !check.ok && (
            <p className="refused">
              ✗ {check.reason ? REFUSAL_LABEL[check.reason] : "Refused"}
              {check.reasons.length > 0 && `: ${check.reasons.map((r) => REASON_LABEL[r]).join(", ")}`}
              {check.message && <span className="muted"> — {check.message}</span>}
            </p>
          )}
          {error && <p role="alert">{error}</p>}
        </div>
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Close
          </button>
          <button type="button" className="primary" disabled={!to} onClick={() => void confirm()}>
            Check and transfer
          </button>
        </div>
      </form>
    </dialog>
  );
}
