// Streams survive a service restart: the server closes sockets with a close frame (1001 Going away,
// never 1006); the typed client helper keeps retrying through ECONNREFUSED while the port is closed;
// the new process's snapshot carries a new epoch (its seq started again), and StreamPosition says so.
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { createLiveClient, backoffDelay, type LinkState } from "../../src/client/live-client.ts";
import { StreamPosition } from "../../src/client/stream-position.ts";
import { startSimApp, type SimApp } from "../helpers/sim-app.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

interface Event {
  __typename: "AgentsSnapshot" | "AgentStatusChanged";
  epoch: string;
  seq: number;
  agents?: Array<{ id: string; status: string }>;
  agent?: { id: string; status: string };
}

let h: SimApp;
beforeAll(async () => {
  h = await startSimApp({ sim: { agents: 4 } });
});
afterAll(async () => h?.stop());

it("backs off 0.5 s, 1 s, 2 s … with jitter, capped", () => {
  expect(backoffDelay(0, 10_000, () => 1)).toBe(500);
  expect(backoffDelay(0, 10_000, () => 0)).toBe(250);
  expect(backoffDelay(2, 10_000, () => 1)).toBe(2_000);
  expect(backoffDelay(50, 10_000, () => 1)).toBe(10_000);
});

it("reconnects forever through a restart and takes the new stream's snapshot", async () => {
  const closes: number[] = [];
  const states: LinkState[] = [];
  const errors: Array<{ kind: "socket-error" }> = [];
  const client = createLiveClient({
    url: h.app.url.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    maxRetryDelayMs: 400,
    onState: (state) => states.push(state),
    on: { closed: (event) => closes.push((event as { code: number }).code), error: () => errors.push({ kind: "socket-error" }) },
  });
  const events: Event[] = [];
  const position = new StreamPosition();
  const steps: string[] = [];
  const dispose = client.subscribe<{ agentStatus: Event }>(
    {
      query: `subscription { agentStatus { __typename
        ... on AgentsSnapshot { epoch seq agents { id status } }
        ... on AgentStatusChanged { epoch seq agent { id status } } } }`,
    },
    {
      next: ({ data }) => {
        if (!data) return;
        events.push(data.agentStatus);
        const step = position.accept(data.agentStatus, data.agentStatus.__typename === "AgentsSnapshot");
        steps.push(step.kind === "snapshot" ? `snapshot${step.newEpoch ? ":new-epoch" : ""}` : step.kind);
      },
      error: (error) => steps.push(`error:${String(error)}`),
      complete: () => steps.push("complete"),
    },
  );
  try {
    await waitFor(() => events.length > 0, { timeoutMs: 5_000, message: "the first snapshot" });
    const first = events[0]!;
    expect(first.agents).toHaveLength(4);
    await h.sim.call("1000", "1001", { ringMs: 50, talkMs: 100 });
    await waitFor(() => events.some((e) => e.__typename === "AgentStatusChanged"), { message: "a delta" });
    const lastSeqBefore = position.seq;
    expect(lastSeqBefore).toBeGreaterThan(first.seq);

    // Stop, and keep the port closed for a while: every attempt meanwhile is ECONNREFUSED.
    const port = h.app.port;
    await h.app.stop();
    await waitFor(() => closes.length > 0, { message: "the close event" });
    expect(closes[0]).toBe(1001);
    await sleep(1_500);
    expect(errors.length).toBeGreaterThanOrEqual(2); // refused attempts, retried anyway
    expect(states).toContain("reconnecting");
    await h.restart();
    expect(h.app.port).toBe(port);

    await waitFor(() => steps.includes("snapshot:new-epoch"), { timeoutMs: 10_000, message: "the new stream's snapshot" });
    const second = events.filter((e) => e.__typename === "AgentsSnapshot").at(-1)!;
    expect(second.epoch).not.toBe(first.epoch);
    expect(second.seq).toBeLessThan(lastSeqBefore); // seq started again: only the epoch tells
    expect(states.at(-1)).toBe("connected");
    expect(steps.filter((s) => s.startsWith("error") || s === "complete" || s === "gap")).toEqual([]);
  } finally {
    dispose();
    await client.dispose();
  }
});
