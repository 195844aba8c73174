// The page's markup, shared by both clients: the link state, the cached agents list, a transfer dialog.
// Data attributes let the test read exactly what the cache holds.
import { useState } from "react";
import type { PageAgent, TransferCheck } from "./operations.ts";

export interface StreamInfo {
  link: string;
  epoch: string | null;
  epochs: number;
  deltas: number;
  closeCodes: number[];
}

export function StreamView({ info }: { info: StreamInfo }) {
  return (
    <p>
      Link: <output id="link">{info.link}</output> · epoch <output id="epoch">{info.epoch ?? ""}</output> (<output id="epochs">{info.epochs}</output>) ·
      deltas <output id="deltas">{info.deltas}</output> · closes <output id="close-codes">{info.closeCodes.join(",")}</output>
    </p>
  );
}

export function AgentsView({ agents }: { agents: readonly PageAgent[] | undefined }) {
  if (!agents) return <p id="loading">Loading…</p>;
  return (
    <ul id="agents">
      {agents.map((a) => (
        <li key={a.id} data-id={a.id} data-status={a.status} data-available={String(a.available)} data-reasons={a.reasons.join(",")} data-dnd={String(a.dnd)}>
          {a.name} ({a.extension}): {a.status}
        </li>
      ))}
    </ul>
  );
}

export function TransferView(props: { available: readonly PageAgent[] | Array<Pick<PageAgent, "id" | "extension" | "name">> | undefined; onOpen(): void; onCheck(to: string): void; result: TransferCheck | null }) {
  const [to, setTo] = useState("");
  return (
    <section aria-label="Transfer">
      <button id="open-transfer" onClick={props.onOpen}>
        Transfer…
      </button>
      {props.available && (
        <fieldset id="available">
          <legend>Available now</legend>
          {props.available.map((a) => (
            <label key={a.id}>
              <input type="radio" name="to" value={a.extension} checked={to === a.extension} onChange={() => setTo(a.extension)} />
              {a.name} {a.extension}
            </label>
          ))}
        </fieldset>
      )}
      <label>
        To <input id="to" value={to} onChange={(e) => setTo(e.target.value)} />
      </label>
      <button id="check" disabled={!to} onClick={() => props.onCheck(to)}>
        Check and transfer
      </button>
      {props.result && (
        <p id="transfer-result" data-ok={String(props.result.ok)} data-reason={props.result.reason ?? ""}>
          {props.result.ok ? "OK" : `Refused: ${props.result.reason} (${props.result.reasons.join(", ")}) ${props.result.message ?? ""}`}
        </p>
      )}
    </section>
  );
}
