// Benchmark scale: thousands of agents listed and re-announced in a burst, and a client that stops
// reading is dropped (as Asterisk's writetimeout does) instead of being buffered for without bound,
// while the other clients keep getting everything.
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/simulator.ts";
import { AmiRawClient } from "../helpers/ami-raw-client.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { waitFor } from "../helpers/wait-for.ts";

const AGENTS = 5_000;
const MAX_BURSTS = 12;
const simulators: Simulator[] = [];
const clients: AmiRawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(simulators.splice(0).map((s) => s.close()));
});

async function loggedIn(sim: Simulator, events = "on"): Promise<AmiRawClient> {
  const client = await AmiRawClient.connect(sim.port);
  clients.push(client);
  await client.login({ events });
  return client;
}

describe(`${AGENTS} agents`, () => {
  it("lists every contact and endpoint, and re-announces all of them in one burst", async () => {
    const sim = await startSimulator({ agents: AGENTS });
    simulators.push(sim);
    const client = await loggedIn(sim);
    client.action({ Action: "PJSIPShowContacts", ActionID: "contacts" });
    client.action({ Action: "PJSIPShowEndpoints", ActionID: "endpoints" });
    expect((await client.list("contacts")).at(-1)?.raw.listitems).toBe(String(AGENTS));
    expect((await client.list("endpoints")).at(-1)?.raw.listitems).toBe(String(AGENTS));

    const startedAt = performance.now();
    await sim.reannounceAll();
    await waitFor(() => client.liveEvents().length >= 1 + 4 * AGENTS, { timeoutMs: 10_000, message: "the whole burst" });
    const seconds = (performance.now() - startedAt) / 1000;
    const contactStatuses = client.liveEvents().filter((m) => m.raw.event === "ContactStatus");
    expect(contactStatuses).toHaveLength(AGENTS);
    expect(new Set(contactStatuses.map((m) => m.raw.aor)).size).toBe(AGENTS);
    expect(seconds).toBeLessThan(5);
    expect(sim.stats().queuedBytes).toBe(0);
  });

  it("drops a client that stops reading, keeps serving the others, and frees what was queued for it", async () => {
    const log = new MemoryLog();
    const sim = await startSimulator({ agents: AGENTS, writeTimeoutMs: 100, log });
    simulators.push(sim);
    const stuck = await loggedIn(sim);
    const healthy = await loggedIn(sim);
    stuck.socket.pause(); // stops reading: the kernel buffers fill, then writes stall
    healthy.keepOnlyCount();
    const before = healthy.messageCount;

    // ~2.6 MB per burst: a few fill the socket buffers, then the stuck client stalls and is dropped.
    // reannounceAll() resolves once each client has its burst in the kernel, or was dropped.
    let bursts = 0;
    while (sim.stats().connections === 2 && bursts < MAX_BURSTS) {
      await sim.reannounceAll();
      bursts += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sim.stats().connections).toBe(1);
    expect(log.at("warn").map((e) => e.msg)).toEqual(["AMI client too slow: connection dropped (like Asterisk's writetimeout)"]);
    await waitFor(() => healthy.messageCount - before >= bursts * 4 * AGENTS, { timeoutMs: 10_000, message: "every burst at the healthy client" });
    expect(sim.stats().queuedBytes).toBe(0);
  });

  it("with the write timeout off, bounds what waits for a stuck client, and still restarts promptly", async () => {
    const log = new MemoryLog();
    const sim = await startSimulator({ agents: AGENTS, writeTimeoutMs: 0, maxQueuedBytes: 16 * 1024 * 1024, restartQualifyMs: 50, log });
    simulators.push(sim);
    const stuck = await loggedIn(sim);
    stuck.socket.pause();
    const pending = Array.from({ length: 4 }, () => sim.reannounceAll());
    await waitFor(() => sim.stats().queuedBytes > 0, { message: "a backlog for the stuck client" });
    const startedAt = Date.now();
    await sim.restart({ downMs: 50 });
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(sim.stats()).toMatchObject({ connections: 0, queuedBytes: 0 });
    await Promise.all(pending); // the restart cut the stuck client off: nothing waits for it any more

    await waitFor(() => sim.contacts().every((c) => c.status === "Reachable"), { message: "contacts re-qualified" });
    const capped = await loggedIn(sim);
    capped.socket.pause();
    // Eight bursts queued at once (~19 MB) exceed the cap before the kernel can take much of it.
    const bursts = Array.from({ length: 8 }, () => sim.reannounceAll());
    await waitFor(() => sim.stats().connections === 0, { message: "the capped client dropped" });
    await Promise.all(bursts);
    expect(sim.stats().queuedBytes).toBe(0);
    expect(log.at("warn").map((e) => (e.obj as { reason?: string }).reason)).toContain(`more than ${16 * 1024 * 1024} bytes waiting for a slow client`);
  });
});
