// The wallboard: banner, counts per status and queue, filters, every agent as a tile, the transfer dialog.
import { useDeferredValue, useMemo, useState } from "react";
import type { AgentStatus } from "./gql/graphql.ts";
import { FloorStatusDocument } from "./lib/documents.ts";
import type { LiveAgents } from "./lib/live-agents.ts";
import { useCredentials, useFloor, usePolledQuery } from "./lib/use-floor.ts";
import type { Credentials } from "./lib/credentials.ts";
import { SignIn } from "./components/SignIn.tsx";
import { AgentTile } from "./components/AgentTile.tsx";
import { Banner } from "./components/Banner.tsx";
import { Filters, type FilterValues } from "./components/Filters.tsx";
import { QueueCounts, StatusCounts } from "./components/Summary.tsx";
import { TransferDialog } from "./components/TransferDialog.tsx";

const collator = new Intl.Collator(undefined, { numeric: true });

export function App({ store, credentials }: { store: LiveAgents; credentials: Credentials }) {
  const floor = useFloor(store);
  const auth = useCredentials();
  const signIn = (credential: string) => {
    credentials.signIn(credential);
    store.restart();
  };
  const signOut = () => {
    credentials.signOut();
    store.restart();
  };
  const status = usePolledQuery(FloorStatusDocument, {}, 5_000, floor.agents);
  const [filters, setFilters] = useState<FilterValues>({ search: "", queue: "", availableOnly: false });
  const [statusFilter, setStatusFilter] = useState<AgentStatus | null>(null);
  const [transferOpen, setTransferOpen] = useState(false);
  const search = useDeferredValue(filters.search.trim().toLowerCase());

  const sorted = useMemo(() => [...floor.agents.values()].sort((a, b) => collator.compare(a.extension, b.extension)), [floor.agents]);
  const counts = useMemo(() => {
    const map = new Map<AgentStatus, number>();
    for (const agent of sorted) map.set(agent.status, (map.get(agent.status) ?? 0) + 1);
    return map;
  }, [sorted]);
  const queueNames = useMemo(() => (status.data?.queues ?? []).map((q) => q.queue), [status.data]);
  const shown = useMemo(
    () =>
      sorted.filter(
        (a) =>
          (statusFilter === null || a.status === statusFilter) &&
          (!filters.availableOnly || a.available) &&
          (!filters.queue || a.queues.some((q) => q.queue === filters.queue)) &&
          (!search || (a.name ?? "").toLowerCase().includes(search) || a.extensions.some((e) => e.extension.includes(search))),
      ),
    [sorted, statusFilter, filters.availableOnly, filters.queue, search],
  );
  const ready = useMemo(() => sorted.filter((a) => a.available).length, [sorted]);
  const anyStale = useMemo(() => sorted.some((a) => a.stale), [sorted]);

  return (
    <>
      <header className="top">
        <h1>Agents</h1>
        <span className={`link link-${floor.link}`} data-testid="link-state">
          {floor.link === "connected" ? "Live" : floor.link === "connecting" ? "Connecting…" : "Reconnecting…"}
        </span>
        <button type="button" className="primary" onClick={() => setTransferOpen(true)}>
          Transfer…
        </button>
        {auth.credential && (
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      {auth.refused !== null && <SignIn reason={auth.refused} onSignIn={signIn} />}
      <Banner link={floor.link} ami={status.data?.amiStatus ?? null} statusError={status.error} lastEventAt={floor.lastEventAt} anyStale={anyStale} />
      <main>
        <div className="summary">
          <StatusCounts counts={counts} total={sorted.length} ready={ready} selected={statusFilter} onSelect={setStatusFilter} />
          <QueueCounts queues={status.data?.queues ?? []} />
        </div>
        <Filters values={filters} queues={queueNames} onChange={setFilters} />
        <p className="muted shown" aria-live="polite">
          {shown.length === sorted.length ? `${sorted.length} agents` : `${shown.length} of ${sorted.length} agents`}
        </p>
        <ul className="tiles" aria-label="Agents">
          {shown.map((agent) => (
            <AgentTile key={agent.id} agent={agent} since={floor.statusSince.get(agent.id) ?? Date.now()} />
          ))}
        </ul>
      </main>
      <TransferDialog open={transferOpen} onClose={() => setTransferOpen(false)} queues={queueNames} liveKey={floor.agents} />
    </>
  );
}
