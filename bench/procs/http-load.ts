// HTTP load generator in its own process: `connections` keep-alive sockets, each sending the next
// request as soon as the previous response is complete (closed loop), for `seconds`. A minimal
// HTTP/1.1 client on raw sockets, so that the generator costs far less CPU than the server it drives.
import net from "node:net";
import { nowMs } from "../lib/clock.ts";
import { serve } from "../lib/rpc.ts";
import { summarize, type LatencySummary } from "../lib/stats.ts";

export interface HttpLoadOptions {
  host: string;
  port: number;
  path: string;
  /** Request bodies to cycle through (JSON). */
  bodies: string[];
  connections: number;
  seconds: number;
}

export interface HttpLoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  latency: LatencySummary;
  firstError: string | null;
}

function request(options: HttpLoadOptions, body: string): Buffer {
  return Buffer.from(
    `POST ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`,
  );
}

async function run(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const requests = options.bodies.map((body) => request(options, body));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const begin = nowMs();
  const end = begin + options.seconds * 1000;

  const connection = () =>
    new Promise<void>((resolve) => {
      const socket = net.connect(options.port, options.host);
      socket.setNoDelay(true);
      let pending = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        if (nowMs() >= end) {
          socket.end();
          return resolve();
        }
        sentAt = nowMs();
        socket.write(requests[next++ % requests.length]!);
      };
      socket.on("connect", send);
      socket.on("error", (error) => {
        errors++;
        firstError ??= error.message;
        resolve();
      });
      socket.on("data", (data) => {
        pending = pending.length ? Buffer.concat([pending, data]) : data;
        for (;;) {
          const headerEnd = pending.indexOf("\r\n\r\n");
          if (headerEnd < 0) return;
          const head = pending.subarray(0, headerEnd).toString("latin1");
          const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
          if (Number.isNaN(length)) throw new Error(`response without Content-Length: ${head}`);
          if (pending.length < headerEnd + 4 + length) return;
          const status = Number(head.slice(9, 12));
          const body = pending.subarray(headerEnd + 4, headerEnd + 4 + length);
          pending = pending.subarray(headerEnd + 4 + length);
          latencies.push(nowMs() - sentAt);
          // A GraphQL error answers 200 too: look at the start of the body.
          if (status !== 200 || body.subarray(0, 10).toString().startsWith('{"errors"')) {
            errors++;
            firstError ??= `${status} ${body.subarray(0, 300).toString()}`;
          }
          send();
        }
      });
    });

  await Promise.all(Array.from({ length: options.connections }, connection));
  const seconds = (nowMs() - begin) / 1000;
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, latency: summarize(latencies), firstError };
}

serve({ run });
