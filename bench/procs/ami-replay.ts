// The AMI side of the ingest scenarios, in its own process. The AMI simulator (src/simulator) holds the
// PBX state the service syncs from; the service reaches it through a proxy here, which can inject a
// recorded stream of live events at message boundaries: as fast as the socket takes it (saturation) or
// paced (a share of it). The recording is what the simulator sends for two flips of every agent (a DND /
// presence / queue-pause change and a REGISTER / unregister each), so each replay leaves every agent as
// it found it and changes every agent's status twice on the way. The same bytes feed the floor: a bare
// frame splitter (bench/procs/frame-splitter.ts) reading them over TCP from `serveFloor`.
import net from "node:net";
import { once } from "node:events";
import { nowMs, sleep } from "../lib/clock.ts";
import { serve } from "../lib/rpc.ts";
import { startSimulatorSource, type AgentSpec, type AmiLoadSource } from "../lib/ami-load-source.ts";

const FRAME_END = "\r\n\r\n";

interface Recording {
  /** Whole messages, each ending in a blank line. */
  frames: string[];
  bytes: number;
}

interface Link {
  client: net.Socket;
  /** The last upstream bytes ended a message: injected messages may follow. */
  atBoundary: boolean;
}

let source: AmiLoadSource | undefined;
let recording: Recording | undefined;
const links = new Set<Link>();

function countFrames(text: string): number {
  let n = 0;
  for (let at = text.indexOf(FRAME_END); at !== -1; at = text.indexOf(FRAME_END, at + 4)) n++;
  return n;
}

/** Logs a raw client into the simulator and keeps the live events that `flipEveryAgentTwice` causes. */
async function record(src: AmiLoadSource, extensions: string[]): Promise<Recording> {
  const socket = net.connect(src.port, src.host);
  socket.setEncoding("latin1");
  let text = "";
  socket.on("data", (chunk: string) => (text += chunk));
  await once(socket, "connect");
  socket.write("Action: Login\r\nActionID: r1\r\nUsername: crm\r\nSecret: crmsecret\r\n\r\nAction: Events\r\nActionID: r2\r\nEventMask: on\r\n\r\n");
  const until = nowMs() + 5000;
  while (!text.includes("ActionID: r2") && nowMs() < until) await sleep(10);
  text = "";
  src.flip(extensions);
  src.flip(extensions);
  // Done when frames have arrived and no more came for half a second.
  let seen = 0;
  const deadline = nowMs() + 30_000;
  while ((seen === 0 || countFrames(text) !== seen) && nowMs() < deadline) {
    seen = countFrames(text);
    await sleep(500);
  }
  if (seen === 0) throw new Error("the simulator sent no events to the recording client");
  socket.destroy();
  const frames = text
    .split(FRAME_END)
    .filter((frame) => frame.startsWith("Event: "))
    .map((frame) => frame + FRAME_END);
  return { frames, bytes: frames.reduce((sum, f) => sum + f.length, 0) };
}

function startProxy(src: AmiLoadSource): Promise<net.Server> {
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(src.port, src.host);
    const link: Link = { client, atBoundary: false };
    links.add(link);
    upstream.on("data", (chunk: Buffer) => {
      client.write(chunk);
      link.atBoundary = chunk.length >= 4 && chunk.toString("latin1", chunk.length - 4) === FRAME_END;
    });
    client.on("data", (chunk) => upstream.write(chunk));
    const close = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  });
  server.listen(0, "127.0.0.1");
  return once(server, "listening").then(() => server);
}

/** Writes whole messages to every proxied client, waiting for a message boundary of the upstream. */
async function inject(text: string): Promise<void> {
  for (const link of links) {
    while (!link.atBoundary && !link.client.destroyed) await sleep(1);
    link.client.write(text);
  }
}

const started = (): { src: AmiLoadSource; rec: Recording } => {
  if (!source || !recording) throw new Error("start() first");
  return { src: source, rec: recording };
};

serve({
  async start(spec: AgentSpec) {
    source = await startSimulatorSource({ ...spec, backend: "simulator" });
    const extensions = Array.from({ length: spec.count }, (_, i) => String(spec.first + i));
    recording = await record(source, extensions);
    const proxy = await startProxy(source);
    const address = proxy.address() as net.AddressInfo;
    return { backend: `AMI simulator behind a replaying proxy (${recording.frames.length} recorded events)`, host: "127.0.0.1", port: address.port };
  },

  /** Events and bytes in one replay of the recording. */
  recordingSize() {
    const { rec } = started();
    return { events: rec.frames.length, bytes: rec.bytes };
  },

  /** The recording `times` over, written at once (the kernel and the proxy buffer what the service has not read). */
  async blast(times: number) {
    const { rec } = started();
    const text = rec.frames.join("");
    const at = Date.now();
    for (let i = 0; i < times; i++) await inject(text);
    return { events: rec.frames.length * times, startedAt: at };
  },

  /** The recording at `eventsPerSecond` for `seconds`, in a write every `stepMs`. */
  async paced(options: { eventsPerSecond: number; seconds: number; stepMs?: number }) {
    const { rec } = started();
    const step = options.stepMs ?? 10;
    const begin = nowMs();
    const end = begin + options.seconds * 1000;
    let sent = 0;
    for (let now = begin; now < end; now = nowMs()) {
      const due = Math.floor(((now - begin) / 1000) * options.eventsPerSecond);
      let text = "";
      while (sent < due) text += rec.frames[sent++ % rec.frames.length];
      if (text) await inject(text);
      await sleep(step);
    }
    return { events: sent, seconds: (nowMs() - begin) / 1000 };
  },

  /** A server that writes the recording `times` over to whoever connects, then ends: the floor's input. */
  async serveFloor(times: number) {
    const { rec } = started();
    const text = Buffer.from(rec.frames.join(""), "latin1");
    const server = net.createServer((socket) => {
      for (let i = 0; i < times; i++) socket.write(text);
      socket.end();
      server.close();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port, events: rec.frames.length * times };
  },

  async close() {
    await source?.close();
  },
});
