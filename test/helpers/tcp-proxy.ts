// A TCP proxy that a test can cut, stall, slow down and restore, to take a real database "down" and back:
// cut() refuses new connections and resets the open ones, restore() listens again on the same port;
// stall() keeps every connection open but forwards nothing in either direction (a server that stopped
// answering), resume() delivers what was held; delayMs holds every chunk that long (a slow link), in order.
import net from "node:net";

export interface TcpProxy {
  port: number;
  /** Each chunk, both directions, is delivered this much later (0: at once). */
  delayMs: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, options: { delayMs?: number } = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let stalled = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const proxy: TcpProxy = {
    port: 0,
    delayMs: options.delayMs ?? 0,
    cut,
    restore: async () => {
      if (server.listening) return;
      server = listen(proxy.port);
      await listening(server);
    },
    stall: () => {
      stalled = true;
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    resume: () => {
      stalled = false;
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    close: async () => {
      if (server.listening) await cut();
    },
  };

  function forward(from: net.Socket, to: net.Socket): void {
    from.on("data", (chunk) => {
      if (proxy.delayMs > 0) setTimeout(() => to.writable && to.write(chunk), proxy.delayMs);
      else if (to.writable) to.write(chunk);
    });
  }

  function listen(atPort: number): net.Server {
    const created = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      track(client);
      track(upstream);
      const pair = { client, upstream };
      pairs.add(pair);
      forward(client, upstream);
      forward(upstream, client);
      if (stalled) {
        client.pause();
        upstream.pause();
      }
      client.on("close", () => {
        pairs.delete(pair);
        upstream.destroy();
      });
      upstream.on("close", () => client.destroy());
    });
    created.listen(atPort, "127.0.0.1");
    return created;
  }

  let server = listen(0);
  proxy.port = await listening(server);

  async function cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  }

  return proxy;
}

function listening(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => resolve((server.address() as net.AddressInfo).port));
  });
}
