// Asterisk drops an AMI session whose writes block longer than its `writetimeout` (100 ms by default). A
// restart burst handled slower than it arrives must therefore wait in our backlog, not in the kernel's
// buffers: the client keeps reading while it works through the backlog, a slice per event-loop turn.
import { afterEach, describe, expect, it } from "vitest";
import { AmiClient } from "../../src/ami/manager-client.ts";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

const AGENTS = 3_000;
const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** A consumer slower than the wire: ~0.2 ms of synchronous work per event. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

async function start(options: { maxBacklogBytes?: number } = {}) {
  const simLog = new MemoryLog();
  const sim: Simulator = await startSimulator({ agents: AGENTS, writeTimeoutMs: 100, channelEvents: false, log: simLog });
  const log = new MemoryLog();
  let handled = 0;
  let readies = 0;
  const downs: string[] = [];
  const client = new AmiClient(
    { host: sim.host, port: sim.port, username: "crm", secret: "crmsecret", messagesPerTurn: 200, heartbeat: { intervalMs: 60_000, timeoutMs: 10_000 }, ...options },
    {
      onReady: () => (readies += 1),
      onEvent: () => {
        handled += 1;
        busy(0.2);
      },
      onDisconnected: (info) => downs.push(info.reason),
    },
    log,
  );
  stops.push(async () => {
    await client.stop();
    await sim.close();
  });
  client.start();
  await waitFor(() => readies === 1, { message: "logged in" });
  return { sim, simLog, log, client, downs, handled: () => handled };
}

describe("AmiClient backlog", () => {
  it("reads a burst bigger than the socket buffers while handling it slowly: Asterisk's 100 ms writetimeout never drops the session", async () => {
    const { sim, simLog, downs, handled } = await start();
    const before = handled();
    // Two re-announcements of 3,000 agents (~4 events each, ~5 MB): seconds of handling at 0.2 ms each.
    for (let i = 0; i < 2; i++) await sim.reannounceAll();
    const expected = sim.stats().eventsSent;
    await waitFor(() => handled() - before >= 2 * 4 * AGENTS * 0.9 || downs.length > 0 || sim.stats().connections === 0, { timeoutMs: 30_000, message: "the bursts handled" });
    expect(simLog.at("warn").map((e) => e.msg)).toEqual([]);
    expect(downs).toEqual([]);
    expect(sim.stats().connections).toBe(1);
    expect(expected).toBeGreaterThan(2 * 4 * AGENTS * 0.9);
  }, 40_000);

  it("past AMI_MAX_BACKLOG_BYTES waiting it pauses reading (memory bound), says so, and resumes", async () => {
    const { sim, log, downs, handled } = await start({ maxBacklogBytes: 256 * 1024 });
    const before = handled();
    await sim.reannounceAll();
    await waitFor(() => log.at("warn").some((e) => /AMI backlog full/.test(e.msg ?? "")), { timeoutMs: 10_000, message: "the pause logged" });
    // Resumed: everything arrives in the end (with the 100 ms writetimeout the simulator may drop a paused
    // reader, as Asterisk would; then the session comes back and resyncs).
    await waitFor(() => handled() - before >= 4 * AGENTS * 0.9 || downs.length > 0, { timeoutMs: 30_000, message: "the burst handled or the session dropped" });
  }, 40_000);
});
