// Floor for fan-out: a raw `ws` server speaking just enough graphql-transport-ws for the bench's
// subscribers (ack, one snapshot, then changes), broadcasting one pre-serialised frame per event to
// the sockets that watch its extension. No GraphQL, no AMI, no queues: the cost of the writes alone.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { nowMs, sleep } from "../lib/clock.ts";
import type { SentEvents } from "../procs/ami-source.ts";

const TEXT = { binary: false };

export async function start() {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: "/graphql" });
  /** Sockets per watched extension; `null` key: sockets watching every agent. */
  const watchers = new Map<string | null, WebSocket[]>();
  const watch = (key: string | null, socket: WebSocket) => {
    let list = watchers.get(key);
    if (!list) watchers.set(key, (list = []));
    list.push(socket);
  };
  wss.on("connection", (socket) => {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: { variables?: { extensions?: string[] | null } } };
      if (message.type === "connection_init") socket.send('{"type":"connection_ack"}');
      else if (message.type === "subscribe") {
        // One frame serves every subscriber only while they all use the same operation id (the bench's do).
        if (message.id !== "1") throw new Error(`the ws floor expects operation id "1", got ${message.id}`);
        const team = message.payload?.variables?.extensions ?? null;
        if (team) for (const extension of team) watch(extension, socket);
        else watch(null, socket);
        socket.send('{"id":"1","type":"next","payload":{"data":{"agentStatus":{"__typename":"AgentsSnapshot","seq":0,"ts":0,"agents":[]}}}}');
      }
    });
    socket.on("close", () => {
      for (const list of watchers.values()) {
        const i = list.indexOf(socket);
        if (i >= 0) list.splice(i, 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const online = new Map<string, boolean>();
  const broadcast = (extension: string, log: SentEvents) => {
    const up = !(online.get(extension) ?? false);
    online.set(extension, up);
    const status = up ? "AVAILABLE" : "OFFLINE";
    const sentAt = nowMs();
    const frame = Buffer.from(
      `{"id":"1","type":"next","payload":{"data":{"agentStatus":{"__typename":"AgentStatusChanged","extension":"${extension}","status":"${status}","online":${up},"available":${up},"seq":0,"ts":"${new Date(Math.floor(sentAt)).toISOString()}"}}}}`,
    );
    // Text frames, as graphql-ws sends.
    for (const socket of watchers.get(extension) ?? []) socket.send(frame, TEXT);
    for (const socket of watchers.get(null) ?? []) socket.send(frame, TEXT);
    log.extensions.push(extension);
    log.sentAt.push(sentAt);
    log.statuses.push(status);
  };

  return {
    port: (server.address() as AddressInfo).port,
    handlers: {
      /** The AMI source's runFlips, with the floor as the source: `rate` changes/s for `seconds`. */
      async runFlips(options: { rate: number; seconds: number; extensions: string[] }): Promise<SentEvents> {
        const log: SentEvents = { extensions: [], sentAt: [], statuses: [], amiEvents: 0 };
        const begin = nowMs();
        const end = begin + options.seconds * 1000;
        let next = 0;
        for (let now = begin; now < end; now = nowMs()) {
          const due = Math.floor(((now - begin) / 1000) * options.rate);
          while (next < due) broadcast(options.extensions[next++ % options.extensions.length]!, log);
          await sleep(1);
        }
        return log;
      },
    },
    stop: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
