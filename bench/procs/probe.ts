// An open-loop latency probe in its own process: one query every `intervalMs` on one keep-alive
// socket. A request that could not be sent on time (the previous answer was late) is sent as soon as
// it can, and its latency counts from when it was due, so a stall shows in full (no coordinated omission).
import net from "node:net";
import { nowMs } from "../lib/clock.ts";
import { serve } from "../lib/rpc.ts";
import { summarize, type LatencySummary } from "../lib/stats.ts";

export interface ProbeOptions {
  host: string;
  port: number;
  body: string;
  intervalMs: number;
  seconds: number;
}

export interface ProbeResult {
  latency: LatencySummary;
  /** Probes slower than 50 ms, with when they were due (ms since the start): where the stalls are. */
  slow: Array<[number, number]>;
  /** Probes slower than 15 ms: [when due (epoch ms), latency ms], to lay beside the service's stalls. */
  slowAt: Array<[number, number]>;
  errors: number;
  firstError: string | null;
}

function run(options: ProbeOptions): Promise<ProbeResult> {
  const request = Buffer.from(
    `POST /graphql HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(options.body)}\r\nConnection: keep-alive\r\n\r\n${options.body}`,
  );
  const latencies: number[] = [];
  const slow: Array<[number, number]> = [];
  const slowAt: Array<[number, number]> = [];
  let errors = 0;
  let firstError: string | null = null;
  const begin = nowMs();
  const count = Math.floor((options.seconds * 1000) / options.intervalMs);
  let sent = 0;
  let inFlight = false;
  let pending: Buffer = Buffer.alloc(0);
  const dueAt = (i: number) => begin + i * options.intervalMs;
  return new Promise((resolve) => {
    const socket = net.connect(options.port, options.host);
    socket.setNoDelay(true);
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ latency: summarize(latencies), slow, slowAt, errors, firstError });
    };
    const next = () => {
      if (sent >= count) return finish();
      const wait = dueAt(sent) - nowMs();
      if (wait > 0) {
        timer = setTimeout(next, wait);
        return;
      }
      inFlight = true;
      socket.write(request);
    };
    socket.on("connect", next);
    socket.on("error", (error) => {
      errors++;
      firstError ??= error.message;
      finish();
    });
    socket.on("data", (data: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, data]) : data;
      const headerEnd = pending.indexOf("\r\n\r\n");
      if (headerEnd < 0 || !inFlight) return;
      const head = pending.subarray(0, headerEnd).toString("latin1");
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (pending.length < headerEnd + 4 + length) return;
      const status = Number(head.slice(9, 12));
      if (status !== 200) {
        errors++;
        firstError ??= `${status} ${pending.subarray(headerEnd + 4, headerEnd + 4 + Math.min(length, 300)).toString()}`;
      }
      pending = pending.subarray(headerEnd + 4 + length);
      const latency = nowMs() - dueAt(sent);
      latencies.push(latency);
      if (latency > 50) slow.push([Math.round(dueAt(sent) - begin), Math.round(latency)]);
      if (latency > 15) slowAt.push([dueAt(sent), latency]);
      sent++;
      inFlight = false;
      next();
    });
  });
}

serve({ run });
