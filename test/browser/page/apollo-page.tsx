// Apollo Client 3 with its defaults: HttpLink + GraphQLWsLink (on the repo's reconnecting helper) and
// an InMemoryCache with no configuration. Deltas carry the whole agent, so the cached `agents` list
// follows them by normalisation alone; a new epoch means a new stream: refetch.
import { useRef, useState } from "react";
import { ApolloClient, ApolloProvider, HttpLink, InMemoryCache, gql, split, useApolloClient, useQuery, useSubscription } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createLiveClient } from "../../../src/client/live-client.ts";
import { AGENTS, AVAILABLE, CAN_TRANSFER, LIVE, type LiveEvent, type PageAgent, type TransferCheck } from "./operations.ts";
import { AgentsView, StreamView, TransferView, type StreamInfo } from "./view.tsx";

const AGENTS_DOC = gql(AGENTS);
const LIVE_DOC = gql(LIVE);
const AVAILABLE_DOC = gql(AVAILABLE);
const CAN_TRANSFER_DOC = gql(CAN_TRANSFER);

export function ApolloPage({ api }: { api: string }) {
  const [info, setInfo] = useState<StreamInfo>({ link: "connecting", epoch: null, epochs: 0, deltas: 0, closeCodes: [] });
  const [client] = useState(() => {
    const ws = createLiveClient({
      url: api.replace(/^http/, "ws") + "/graphql",
      maxRetryDelayMs: 1_000,
      onState: (link) => setInfo((i) => ({ ...i, link })),
      on: { closed: (event) => setInfo((i) => ({ ...i, closeCodes: [...i.closeCodes, (event as CloseEvent).code] })) },
    });
    const link = split(
      ({ query }) => {
        const definition = getMainDefinition(query);
        return definition.kind === "OperationDefinition" && definition.operation === "subscription";
      },
      new GraphQLWsLink(ws),
      new HttpLink({ uri: `${api}/graphql` }),
    );
    return new ApolloClient({ link, cache: new InMemoryCache() });
  });
  return (
    <ApolloProvider client={client}>
      <Floor info={info} setInfo={setInfo} />
    </ApolloProvider>
  );
}

function Floor({ info, setInfo }: { info: StreamInfo; setInfo: (f: (i: StreamInfo) => StreamInfo) => void }) {
  const client = useApolloClient();
  const agents = useQuery<{ agents: PageAgent[] }>(AGENTS_DOC);
  const [available, setAvailable] = useState<PageAgent[] | undefined>();
  const [result, setResult] = useState<TransferCheck | null>(null);
  const epoch = useRef<string | null>(null);
  useSubscription<{ agentStatus: LiveEvent }>(LIVE_DOC, {
    onData: ({ data }) => {
      const event = data.data?.agentStatus;
      if (!event) return;
      if (event.__typename !== "AgentsSnapshot") {
        setInfo((i) => ({ ...i, deltas: i.deltas + 1 }));
        return;
      }
      if (epoch.current === event.epoch) return;
      if (epoch.current !== null) void client.refetchQueries({ include: [AGENTS_DOC] }); // a new stream: refetch the list
      epoch.current = event.epoch;
      setInfo((i) => ({ ...i, epoch: event.epoch, epochs: i.epochs + 1 }));
    },
  });
  return (
    <>
      <h1>Apollo Client</h1>
      <StreamView info={info} />
      <TransferView
        available={available}
        result={result}
        onOpen={() => void client.query<{ availableAgents: PageAgent[] }>({ query: AVAILABLE_DOC, fetchPolicy: "network-only" }).then((r) => setAvailable(r.data.availableAgents))}
        onCheck={(to) => void client.query<{ canTransfer: TransferCheck }>({ query: CAN_TRANSFER_DOC, variables: { to }, fetchPolicy: "network-only" }).then((r) => setResult(r.data.canTransfer))}
      />
      <AgentsView agents={agents.data?.agents} />
    </>
  );
}
