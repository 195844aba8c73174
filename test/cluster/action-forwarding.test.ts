// Commands on a follower reach Asterisk through the PBX's leader (Redis pub/sub, the machine's Redis).
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { AmiNotConnectedError, AmiResponseError } from "../../src/ami/ami-errors.ts";
import { ActionForwarding, isForwardableAction } from "../../src/cluster/action-forwarding.ts";
import { MemoryLog } from "../helpers/memory-log.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
const started: ActionForwarding[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.stop()));
});

async function instance(prefix: string, name: string, log = new MemoryLog()): Promise<ActionForwarding> {
  const forwarding = new ActionForwarding({ url: REDIS_URL, keyPrefix: prefix, instanceId: name, timeoutMs: 2_000, log });
  started.push(forwarding);
  await forwarding.start();
  return forwarding;
}

const DND_ON = { Action: "Setvar", Variable: "DEVICE_STATE(Custom:DND1001)", Value: "BUSY" };

describe("forwarding commands to the PBX's leader", () => {
  it("a follower's command is sent by the leader, with Asterisk's answer back; a refusal stays a refusal", async () => {
    const prefix = `test-${randomUUID()}`;
    const leader = await instance(prefix, "a");
    const follower = await instance(prefix, "b");
    const sent: unknown[] = [];
    await leader.serve("pbx1", async (fields) => {
      sent.push(fields);
      if (fields.Action === "QueuePause") throw new AmiResponseError("Interface not found", { response: "Error", message: "Interface not found", actionId: "1", fields: {} });
      return { message: "Variable Set" };
    });
    await expect(follower.send("pbx1")(DND_ON)).resolves.toEqual({ message: "Variable Set" });
    expect(sent).toEqual([DND_ON]);
    const refused = follower.send("pbx1")({ Action: "QueuePause", Interface: "PJSIP/1009", Paused: "true", Queue: "support" });
    await expect(refused).rejects.toBeInstanceOf(AmiResponseError);
    await expect(refused).rejects.toThrow("Interface not found");
    expect([leader.countsOf("pbx1").served, follower.countsOf("pbx1").forwarded]).toEqual([2, 2]);
  });

  it("with no leader the command fails at once (not after the timeout), and after the leader lets go too", async () => {
    const prefix = `test-${randomUUID()}`;
    const follower = await instance(prefix, "b");
    const startedAt = Date.now();
    await expect(follower.send("pbx1")(DND_ON)).rejects.toBeInstanceOf(AmiNotConnectedError);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    const leader = await instance(prefix, "a");
    const release = await leader.serve("pbx1", async () => ({ message: null }));
    await expect(follower.send("pbx1")(DND_ON)).resolves.toEqual({ message: null });
    await release();
    await expect(follower.send("pbx1")(DND_ON)).rejects.toThrow(/no instance leads PBX pbx1/);
  });

  it("only command actions: the follower does not forward others, the leader does not send a forged one", async () => {
    const prefix = `test-${randomUUID()}`;
    const log = new MemoryLog();
    const leader = await instance(prefix, "a", log);
    const follower = await instance(prefix, "b");
    const sent: unknown[] = [];
    await leader.serve("pbx1", async (fields) => (sent.push(fields), { message: null }));
    await expect(follower.send("pbx1")({ Action: "Originate", Channel: "PJSIP/1001", Exten: "900" })).rejects.toThrow(/not a command action/);
    // Someone with Redis access publishing by hand:
    const raw = new Redis(REDIS_URL);
    try {
      await raw.publish(`${prefix}:actions:pbx1`, JSON.stringify({ id: "x", replyTo: `${prefix}:actions:replies:b`, fields: { Action: "Command", Command: "core stop now" } }));
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      raw.disconnect();
    }
    expect(sent).toEqual([]);
    expect(log.at("warn").map((e) => e.msg)).toContain("forwarded action refused: not a command action");
  });

  it("isForwardableAction: exactly the shapes AgentCommands sends", () => {
    expect(isForwardableAction(DND_ON)).toBe(true);
    expect(isForwardableAction({ Action: "Setvar", Variable: "PRESENCE_STATE(CustomPresence:1001)", Value: "away,,Lunch" })).toBe(true);
    expect(isForwardableAction({ Action: "QueuePause", Interface: "PJSIP/1001", Paused: "false" })).toBe(true);
    expect(isForwardableAction({ Action: "Setvar", Variable: "GLOBAL(X)", Value: "1" })).toBe(false);
    expect(isForwardableAction({ Action: "Setvar", Variable: "DEVICE_STATE(Custom:DND1001)", Value: "BUSY", Channel: "PJSIP/x" })).toBe(false);
    expect(isForwardableAction({ Action: "QueuePause", Interface: "PJSIP/1001", Paused: "true", Extra: "1" })).toBe(false);
  });
});
