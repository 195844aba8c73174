// The floor of AMI ingest: a TCP client that only splits the stream into messages (blank-line
// separated) and counts them, in its own Node process. What any AMI reader on this stack costs at
// least: the kernel, libuv and one pass over the bytes.
import net from "node:net";
import { serve } from "../lib/rpc.ts";

const FRAME_END = Buffer.from("\r\n\r\n");

serve({
  split(options: { host: string; port: number }) {
    return new Promise<{ events: number; cpuSeconds: number; wallSeconds: number }>((resolve, reject) => {
      const socket = net.connect(options.port, options.host);
      let carry: Buffer = Buffer.alloc(0);
      let events = 0;
      let cpu = process.cpuUsage();
      let begin = 0;
      socket.on("data", (chunk: Buffer) => {
        if (begin === 0) {
          begin = performance.now();
          cpu = process.cpuUsage();
        }
        const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        let start = 0;
        for (let end = data.indexOf(FRAME_END, start); end !== -1; end = data.indexOf(FRAME_END, start)) {
          events++;
          start = end + 4;
        }
        carry = data.subarray(start);
      });
      socket.on("error", reject);
      socket.on("end", () => {
        const used = process.cpuUsage(cpu);
        resolve({ events, cpuSeconds: (used.user + used.system) / 1e6, wallSeconds: (performance.now() - begin) / 1000 });
      });
    });
  },
});
