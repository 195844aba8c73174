// A replica that could not continue its stream sends every live subscriber a new snapshot, on the same
// subscription, and the deltas after it follow that snapshot's seq; closed subscriptions are forgotten.
import { PubSub } from "graphql-subscriptions";
import { describe, expect, it } from "vitest";
import { StatusHub, type ChangeEvent } from "../../src/events/status-hub.ts";
import type { SnapshotModel } from "../../src/graphql/models.ts";
import { agent } from "../helpers/agents.ts";

const change = (seq: number): ChangeEvent => ({
  kind: "change",
  extension: "1000",
  extensions: ["1000"],
  agent: { ...agent("1000", []), name: null, userId: null, id: "ext:1000", extensions: [] },
  removed: false,
  previous: null,
  seq,
  ts: seq,
});

describe("StatusHub.resnapshot", () => {
  it("pushes a new snapshot to every open agentStatus subscription, then only later deltas", async () => {
    const hub = new StatusHub(new PubSub());
    let seq = 3;
    let epoch = "e1";
    const snapshot = async (): Promise<SnapshotModel> => ({ kind: "snapshot", agents: [], seq, ts: 0, epoch });
    const first = hub.agentStatus(null, snapshot);
    const second = hub.agentStatus(null, snapshot);
    const closed = hub.agentStatus(null, snapshot);
    await new Promise((r) => setTimeout(r, 0));
    await closed.return!();
    hub.publishChange(change(4));
    seq = 10;
    epoch = "e2";
    hub.resnapshot();
    await new Promise((r) => setTimeout(r, 0));
    hub.publishChange(change(10)); // already in the new snapshot
    hub.publishChange(change(11));
    for (const iterator of [first, second]) {
      const got = [];
      for (let i = 0; i < 4; i++) got.push((await iterator.next()).value!);
      expect(got.map((e) => `${e.kind}:${e.seq}${e.kind === "snapshot" ? `:${e.epoch}` : ""}`)).toEqual(["snapshot:3:e1", "change:4", "snapshot:10:e2", "change:11"]);
    }
    expect(hub.subscribers).toBe(2);
  });
});
