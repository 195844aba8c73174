// A TCP proxy that a test can cut and restore, to take a real database "down" and bring it back:
// cut() refuses new connections and resets the open ones, restore() listens again on the same port.
import net from "node:net";

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  let server = listen(0);
  const port = await listening(server);

  function listen(atPort: number): net.Server {
    const created = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    created.listen(atPort, "127.0.0.1");
    return created;
  }

  async function cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  }

  return {
    port,
    cut,
    restore: async () => {
      if (server.listening) return;
      server = listen(port);
      await listening(server);
    },
    close: async () => {
      if (server.listening) await cut();
    },
  };
}

function listening(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => resolve((server.address() as net.AddressInfo).port));
  });
}
