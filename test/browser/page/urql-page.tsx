// urql with graphcache and no cache configuration; subscriptions over the repo's reconnecting helper.
import { useRef, useState } from "react";
import { Client, Provider, fetchExchange, subscriptionExchange, useClient, useQuery, useSubscription } from "urql";
import { cacheExchange } from "@urql/exchange-graphcache";
import { createLiveClient } from "../../../src/client/live-client.ts";
import { AGENTS, AVAILABLE, CAN_TRANSFER, LIVE, type LiveEvent, type PageAgent, type TransferCheck } from "./operations.ts";
import { AgentsView, StreamView, TransferView, type StreamInfo } from "./view.tsx";

export function UrqlPage({ api }: { api: string }) {
  const [info, setInfo] = useState<StreamInfo>({ link: "connecting", epoch: null, epochs: 0, deltas: 0, closeCodes: [] });
  const [client] = useState(() => {
    const ws = createLiveClient({
      url: api.replace(/^http/, "ws") + "/graphql",
      maxRetryDelayMs: 1_000,
      onState: (link) => setInfo((i) => ({ ...i, link })),
      on: { closed: (event) => setInfo((i) => ({ ...i, closeCodes: [...i.closeCodes, (event as CloseEvent).code] })) },
    });
    return new Client({
      url: `${api}/graphql`,
      exchanges: [
        cacheExchange(),
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
          }),
        }),
      ],
    });
  });
  return (
    <Provider value={client}>
      <Floor info={info} setInfo={setInfo} />
    </Provider>
  );
}

function Floor({ info, setInfo }: { info: StreamInfo; setInfo: (f: (i: StreamInfo) => StreamInfo) => void }) {
  const client = useClient();
  const [agents, reexecute] = useQuery<{ agents: PageAgent[] }>({ query: AGENTS });
  const [available, setAvailable] = useState<PageAgent[] | undefined>();
  const [result, setResult] = useState<TransferCheck | null>(null);
  // urql calls this while rendering: state updates wait for the next microtask.
  useSubscription<{ agentStatus: LiveEvent }, null>({ query: LIVE }, (_previous, data) => {
    queueMicrotask(() => onEvent(data.agentStatus));
    return null;
  });
  const epoch = useRef<string | null>(null);
  const onEvent = (event: LiveEvent) => {
    if (event.__typename !== "AgentsSnapshot") {
      setInfo((i) => ({ ...i, deltas: i.deltas + 1 }));
      return;
    }
    if (epoch.current === event.epoch) return;
    if (epoch.current !== null) reexecute({ requestPolicy: "network-only" }); // a new stream: refetch the list
    epoch.current = event.epoch;
    setInfo((i) => ({ ...i, epoch: event.epoch, epochs: i.epochs + 1 }));
  };
  return (
    <>
      <h1>urql + graphcache</h1>
      <StreamView info={info} />
      <TransferView
        available={available}
        result={result}
        onOpen={() => void client.query<{ availableAgents: PageAgent[] }>(AVAILABLE, {}, { requestPolicy: "network-only" }).toPromise().then((r) => setAvailable(r.data?.availableAgents))}
        onCheck={(to) => void client.query<{ canTransfer: TransferCheck }>(CAN_TRANSFER, { to }, { requestPolicy: "network-only" }).toPromise().then((r) => r.data && setResult(r.data.canTransfer))}
      />
      <AgentsView agents={agents.data?.agents} />
    </>
  );
}
