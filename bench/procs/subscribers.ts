// graphql-ws subscribers in their own process: `count` dashboards on their own WebSocket each, speaking
// graphql-transport-ws on raw `ws` (the protocol, without a client library's overhead). Every change
// message is recorded with its arrival time; latencies are computed against the AMI source's send log.
import WebSocket from "ws";
import { nowMs, sleep } from "../lib/clock.ts";
import { serve } from "../lib/rpc.ts";
import { summarize, type LatencySummary } from "../lib/stats.ts";
import type { SentEvents } from "./ami-source.ts";

export interface SubscribersOptions {
  url: string;
  count: number;
  /** Extensions per team; subscriber i watches team i % teams. 0: every subscriber watches all agents. */
  teamSize: number;
  first: number;
  agents: number;
  /** Connections opened at once. */
  parallel: number;
}

/** Two selection sets, so the server sees two cohorts per team. */
const QUERIES = [
  `subscription Board($extensions: [ID!]) { agentStatus(extensions: $extensions) { __typename
     ... on AgentStatusChanged { extension status ts }
     ... on AgentsSnapshot { seq agents { extension status } } } }`,
  `subscription Wall($extensions: [ID!]) { agentStatus(extensions: $extensions) { __typename
     ... on AgentStatusChanged { extension status online available seq ts }
     ... on AgentsSnapshot { seq ts agents { extension status online } } } }`,
];

interface Subscriber {
  socket: WebSocket;
  watches: Set<string> | null;
  snapshotAt: number;
  /** Per extension: arrival (ms), status, server ts (ms), in arrival order. */
  messages: Map<string, Array<{ at: number; status: string; ts: number }>>;
  errors: string[];
}

const subscribers: Subscriber[] = [];
let received = 0;

function teamOf(options: SubscribersOptions, index: number): string[] | null {
  if (options.teamSize <= 0) return null;
  const teams = Math.max(1, Math.floor(options.agents / options.teamSize));
  const start = options.first + (index % teams) * options.teamSize;
  return Array.from({ length: options.teamSize }, (_, i) => String(start + i));
}

function open(options: SubscribersOptions, index: number): Promise<void> {
  const team = teamOf(options, index);
  const socket = new WebSocket(options.url, "graphql-transport-ws", { perMessageDeflate: false });
  const sub: Subscriber = { socket, watches: team ? new Set(team) : null, snapshotAt: 0, messages: new Map(), errors: [] };
  subscribers.push(sub);
  return new Promise((resolve, reject) => {
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init" })));
    socket.on("error", reject);
    socket.on("close", (code, reason) => sub.errors.push(`closed ${code} ${String(reason)}`));
    socket.on("message", (data) => {
      const at = nowMs();
      const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { agentStatus?: Record<string, unknown> }; errors?: unknown } };
      if (message.type === "connection_ack") {
        const payload = { query: QUERIES[index % QUERIES.length], variables: { extensions: team } };
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload }));
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next") {
        const event = message.payload?.data?.agentStatus;
        if (!event) {
          sub.errors.push(JSON.stringify(message.payload).slice(0, 300));
          return;
        }
        if (event.__typename === "AgentsSnapshot") {
          sub.snapshotAt = at;
          resolve();
          return;
        }
        received++;
        const extension = event.extension as string;
        let list = sub.messages.get(extension);
        if (!list) sub.messages.set(extension, (list = []));
        list.push({ at, status: event.status as string, ts: Date.parse(event.ts as string) });
      } else if (message.type === "error" || message.type === "complete") {
        sub.errors.push(JSON.stringify(message).slice(0, 300));
        reject(new Error(`subscription ${message.type}: ${JSON.stringify(message).slice(0, 300)}`));
      }
    });
  });
}

serve({
  /** Opens every subscription; resolves once each has its snapshot. */
  async connect(options: SubscribersOptions) {
    const begin = nowMs();
    let index = 0;
    const worker = async () => {
      while (index < options.count) await open(options, index++);
    };
    await Promise.all(Array.from({ length: Math.min(options.parallel, options.count) }, worker));
    return { connected: subscribers.length, seconds: (nowMs() - begin) / 1000 };
  },

  /** Forget what arrived so far (between measurement phases). */
  reset() {
    for (const sub of subscribers) sub.messages.clear();
    received = 0;
  },

  /** Waits until no message arrived for quietMs (or timeoutMs passed); returns how many arrived. */
  async settle(quietMs: number, timeoutMs: number) {
    const until = nowMs() + timeoutMs;
    let last = -1;
    while (nowMs() < until) {
      if (received === last) break;
      last = received;
      await sleep(quietMs);
    }
    return received;
  },

  /**
   * Latency of every (subscriber, event it should see): arrival of the first message for that extension
   * with the event's status, sent by the server after the event was sent. Unmatched ones are `missing`
   * and count with their wait so far.
   */
  latencies(sent: SentEvents): { latency: LatencySummary; expected: number; missing: number; errors: string[] } {
    const samples: number[] = [];
    const lookedAt = nowMs();
    let expected = 0;
    let missing = 0;
    for (const sub of subscribers) {
      const cursor = new Map<string, number>();
      for (let i = 0; i < sent.extensions.length; i++) {
        const extension = sent.extensions[i]!;
        if (sub.watches && !sub.watches.has(extension)) continue;
        expected++;
        const list = sub.messages.get(extension) ?? [];
        const sentAt = sent.sentAt[i]!;
        let j = cursor.get(extension) ?? 0;
        while (j < list.length && !(list[j]!.status === sent.statuses[i] && list[j]!.ts >= Math.floor(sentAt))) j++;
        if (j < list.length) {
          samples.push(list[j]!.at - sentAt);
          cursor.set(extension, j + 1);
        } else {
          missing++;
          samples.push(lookedAt - sentAt); // never arrived: counted with its wait so far (a lower bound)
        }
      }
    }
    return { latency: summarize(samples), expected, missing, errors: subscribers.flatMap((s) => s.errors).slice(0, 5) };
  },

  /**
   * Server stamp → arrival of every change message so far (the delta's `ts`, stamped by the service that
   * published it: in a cluster, the leader; Redis and a follower's replay included).
   */
  publishLatencies(): { latency: LatencySummary; deliveries: number; errors: string[] } {
    const samples: number[] = [];
    for (const sub of subscribers) for (const list of sub.messages.values()) for (const message of list) samples.push(message.at - message.ts);
    return { latency: summarize(samples), deliveries: samples.length, errors: subscribers.flatMap((s) => s.errors).slice(0, 5) };
  },

  /** When every subscriber had seen every watched extension reach its expected status (epoch ms; null if never). */
  agreedAt(expected: Array<[string, string]>, since: number): number | null {
    let latest = 0;
    for (const sub of subscribers) {
      for (const [extension, status] of expected) {
        if (sub.watches && !sub.watches.has(extension)) continue;
        const hit = (sub.messages.get(extension) ?? []).find((m) => m.at >= since && m.status === status);
        if (!hit) return null;
        latest = Math.max(latest, hit.at);
      }
    }
    return latest;
  },

  async close() {
    for (const sub of subscribers) sub.socket.terminate();
  },
});
