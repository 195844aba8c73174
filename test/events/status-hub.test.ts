import { describe, expect, it } from "vitest";
import { PubSub } from "graphql-subscriptions";
import { StatusHub, type AgentStatusEventModel } from "../../src/events/status-hub.ts";
import { SubscriberQueue } from "../../src/events/subscriber-queue.ts";
import type { ChangeModel, SnapshotModel } from "../../src/graphql/models.ts";
import { agent } from "../helpers/agents.ts";

type Status = ChangeModel["agent"]["status"];
const change = (seq: number, extension = "1000", status: Status = "AVAILABLE"): ChangeModel => ({
  kind: "change",
  extension,
  extensions: [extension],
  agent: { ...agent(extension, []), status, name: null, userId: null, id: `ext:${extension}`, extensions: [] },
  removed: false,
  previous: null,
  seq,
  ts: seq,
});

async function take<T>(iterator: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const { value, done } = await iterator.next();
    if (done) break;
    out.push(value);
  }
  return out;
}

describe("StatusHub.agentStatus", () => {
  it("snapshot first, then every later change in order, none twice, even while the snapshot is being built", async () => {
    const hub = new StatusHub(new PubSub());
    let seq = 5;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const iterator = hub.agentStatus(null, async () => {
      const snapshot: SnapshotModel = { kind: "snapshot", agents: [], seq, ts: 0 }; // read synchronously
      await gate; // names being loaded
      return snapshot;
    });
    hub.publishChange(change(++seq));
    hub.publishChange(change(++seq, "1001"));
    release();
    await Promise.resolve();
    hub.publishChange(change(++seq));
    const events = await take<AgentStatusEventModel>(iterator, 4);
    expect(events.map((e) => (e.kind === "snapshot" ? `snapshot@${e.seq}` : e.seq))).toEqual(["snapshot@5", 6, 7, 8]);
    await iterator.return!();
    expect(hub.subscribers).toBe(0);
  });

  it("filters by extension, in snapshot and deltas", async () => {
    const hub = new StatusHub(new PubSub());
    const agents = ["1000", "1001"].map((extension) => ({ extension, extensions: [{ extension }] }) as SnapshotModel["agents"][number]);
    const iterator = hub.agentStatus(["1001"], async () => ({ kind: "snapshot", agents, seq: 0, ts: 0 }));
    hub.publishChange(change(1, "1000"));
    hub.publishChange(change(2, "1001"));
    const [snapshot, delta] = await take(iterator, 2);
    expect(snapshot).toMatchObject({ kind: "snapshot", agents: [{ extension: "1001" }] });
    expect(delta).toMatchObject({ seq: 2, extension: "1001" });
  });

  it("compat events by kind and extension", async () => {
    const hub = new StatusHub(new PubSub());
    const iterator = hub.extensionEvents(["CONTACT_STATUS"], ["1000"]);
    hub.publishCompat({ type: "extension:endpointStatus", kind: "ENDPOINT_STATUS", extension: "1000", payload: "{}", ts: 1 });
    hub.publishCompat({ type: "extension:contactStatus", kind: "CONTACT_STATUS", extension: "1001", payload: "{}", ts: 2 });
    hub.publishCompat({ type: "extension:contactStatus", kind: "CONTACT_STATUS", extension: "1000", payload: "{}", ts: 3 });
    expect((await take(iterator, 1))[0]).toMatchObject({ ts: 3 });
  });

  it("says whether anyone follows the compat events (publishers skip building them otherwise)", async () => {
    const hub = new StatusHub(new PubSub());
    expect(hub.compatWanted).toBe(false);
    const first = hub.extensionEvents(null, null);
    const second = hub.extensionEvents(["CONTACT_STATUS"], null);
    expect(hub.compatWanted).toBe(true);
    await first.return!();
    expect(hub.compatWanted).toBe(true);
    await second.return!();
    expect(hub.compatWanted).toBe(false);
  });
});

describe("SubscriberQueue", () => {
  it("a slow consumer gets the latest state per agent, in order", async () => {
    const queue = new SubscriberQueue<ChangeModel>((c) => c.extension, 3, () => {});
    queue.push(change(1, "a", "RINGING"));
    queue.push(change(2, "b", "RINGING"));
    queue.push(change(3, "a", "ON_CALL"));
    queue.push(change(4, "a", "AVAILABLE")); // over the limit: older "a" entries collapse
    const items = await take(queue, 2);
    expect(items.map((c) => [c.extension, c.agent.status])).toEqual([
      ["b", "RINGING"],
      ["a", "AVAILABLE"],
    ]);
    expect(queue.dropped).toBe(2);
  });

  it("close ends pending reads and calls onClose once", async () => {
    let closed = 0;
    const queue = new SubscriberQueue<number>(() => null, 10, () => closed++);
    const pending = queue.next();
    queue.close();
    queue.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
  });
});
