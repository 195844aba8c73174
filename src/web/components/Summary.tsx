// Counts per status (each a toggle of the status filter) and per queue (Query.queues).
import type { AgentStatus, FloorStatusQuery } from "../gql/graphql.ts";
import { STATUSES, STATUS_LABEL } from "../lib/labels.ts";

export function StatusCounts(props: { counts: ReadonlyMap<AgentStatus, number>; total: number; ready: number; selected: AgentStatus | null; onSelect(status: AgentStatus | null): void }) {
  return (
    <section aria-label="Agents per status" className="counts">
      <button type="button" className="count" aria-pressed={props.selected === null} onClick={() => props.onSelect(null)}>
        <span className="count-value">{props.total}</span> All
      </button>
      <span className="count count-ready" title="Can take a call now: no reason says otherwise">
        <span className="count-value" data-count="READY">
          {props.ready}
        </span>{" "}
        Ready now
      </span>
      {STATUSES.map((status) => (
        <button
          key={status}
          type="button"
          className={`count status-${status}`}
          aria-pressed={props.selected === status}
          onClick={() => props.onSelect(props.selected === status ? null : status)}
        >
          <span className="count-value" data-count={status}>
            {props.counts.get(status) ?? 0}
          </span>{" "}
          {STATUS_LABEL[status]}
        </button>
      ))}
    </section>
  );
}

export function QueueCounts({ queues }: { queues: FloorStatusQuery["queues"] }) {
  if (queues.length === 0) return null;
  return (
    <table className="queues" aria-label="Queues">
      <thead>
        <tr>
          <th scope="col">Queue</th>
          <th scope="col">Members</th>
          <th scope="col">Available</th>
          <th scope="col">Paused</th>
          <th scope="col">Wrap-up</th>
        </tr>
      </thead>
      <tbody>
        {queues.map((q) => (
          <tr key={q.queue} data-queue={q.queue}>
            <th scope="row">{q.queue}</th>
            <td>{q.members}</td>
            <td>{q.available}</td>
            <td>{q.paused}</td>
            <td>{q.inWrapUp}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
