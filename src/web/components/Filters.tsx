// Search (name or extension), queue, and "available only". The status filter is in the counts.
export interface FilterValues {
  search: string;
  queue: string;
  availableOnly: boolean;
}

export function Filters(props: { values: FilterValues; queues: readonly string[]; onChange(values: FilterValues): void }) {
  const { values, onChange } = props;
  return (
    <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
      <label>
        Search
        <input type="search" value={values.search} placeholder="Name or extension" onChange={(e) => onChange({ ...values, search: e.target.value })} />
      </label>
      <label>
        Queue
        <select value={values.queue} onChange={(e) => onChange({ ...values, queue: e.target.value })}>
          <option value="">All queues</option>
          {props.queues.map((q) => (
            <option key={q} value={q}>
              {q}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={values.availableOnly} onChange={(e) => onChange({ ...values, availableOnly: e.target.checked })} />
        Available only
      </label>
    </form>
  );
}
