// The floor of a probe's latency: bare node:http answering every POST with a constant GraphQL-shaped
// body, in its own process. What the machine (scheduler, loopback, the probe) adds to any service.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "../lib/rpc.ts";

const BODY = JSON.stringify({ data: { agent: { extension: "1000", name: "Agent 1000", status: "AVAILABLE", online: true, available: true } } });

serve({
  async start() {
    const server = http.createServer((request, response) => {
      request.resume();
      request.on("end", () => response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) }).end(BODY));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { port: (server.address() as AddressInfo).port };
  },
});
