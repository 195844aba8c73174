// app_queue's availability rule with a clock the test controls: a member is offered a call only when
// its device is free, it is not paused and its wrap-up is over (`now - wrapuptime >= LastCall`, whole
// seconds; a member's own Wrapuptime wins over the queue's), and the end of wrap-up sends nothing.
import { describe, expect, it } from "vitest";
import type { AsteriskDeviceState } from "../../src/simulator/asterisk-states.ts";
import { DeviceRegistry } from "../../src/simulator/device-registry.ts";
import { QueueBook, type SimMember, type SimQueue } from "../../src/simulator/queue-book.ts";

function book(wrapupSeconds = 5) {
  const clock = { now: 1_000 };
  const states = new Map<string, AsteriskDeviceState>([
    ["PJSIP/1000", "NOT_INUSE"],
    ["PJSIP/1001", "NOT_INUSE"],
  ]);
  const devices = new DeviceRegistry();
  const queues = new QueueBook({ queues: [{ name: "support", wrapupSeconds }], devices, nowSeconds: () => clock.now, deviceState: (d) => states.get(d) ?? "UNKNOWN" });
  /** The member's phone rings, is answered (queue call bridged), then hangs up at `clock.now`. */
  const takeCall = (iface: string) => {
    const q = queues.queue("support") as SimQueue;
    states.set(iface, "RINGING");
    queues.deviceChanged(iface, "RINGING");
    states.set(iface, "INUSE");
    queues.deviceChanged(iface, "INUSE");
    queues.callConnected(q, q.members.get(iface) as SimMember, 1);
    clock.now += 4;
    states.set(iface, "NOT_INUSE");
    return queues.deviceChanged(iface, "NOT_INUSE");
  };
  return { clock, queues, devices, takeCall };
}

describe("QueueBook", () => {
  it("offers a member again exactly when now - wrapuptime >= LastCall", () => {
    const { clock, queues, takeCall } = book(5);
    queues.add("support", "PJSIP/1000");
    const events = takeCall("PJSIP/1000");
    const lastCall = clock.now;
    expect(events.map((e) => [e.name, Object.fromEntries(e.headers)])).toEqual([["QueueMemberStatus", expect.objectContaining({ Status: 1, InCall: 0, CallsTaken: 1, LastCall: lastCall })]]);
    for (const t of [lastCall, lastCall + 4]) {
      clock.now = t;
      expect(queues.nextMember("support")).toBeNull();
    }
    clock.now = lastCall + 5;
    expect(queues.nextMember("support")?.interface).toBe("PJSIP/1000");
  });

  it("a member's own Wrapuptime wins over the queue's; 0 means the queue's", () => {
    const { clock, queues, takeCall } = book(30);
    queues.add("support", "PJSIP/1000", { wrapuptime: 2 });
    takeCall("PJSIP/1000");
    const q = queues.queue("support") as SimQueue;
    const member = q.members.get("PJSIP/1000") as SimMember;
    expect(queues.wrapUpEnds(q, member)).toBe(member.lastCall + 2);
    clock.now = member.lastCall + 2;
    expect(queues.isAvailable(q, member)).toBe(true);
  });

  it("skips members in wrap-up or paused and offers the next free one", () => {
    const { queues, takeCall } = book(5);
    queues.add("support", "PJSIP/1000");
    queues.add("support", "PJSIP/1001");
    takeCall("PJSIP/1000");
    expect(queues.nextMember("support")?.interface).toBe("PJSIP/1001");
    queues.pause("support", "PJSIP/1001", true, "Lunch");
    expect(queues.nextMember("support")).toBeNull();
  });

  it("Queue:<q>_avail turns INUSE while the only member rings and stays so through its wrap-up (no event marks the end)", () => {
    const { clock, queues, devices, takeCall } = book(5);
    queues.add("support", "PJSIP/1000");
    expect(devices.get("Queue:support_avail")).toBe("NOT_INUSE");
    takeCall("PJSIP/1000");
    expect(devices.get("Queue:support_avail")).toBe("INUSE");
    clock.now += 60;
    expect(devices.get("Queue:support_avail")).toBe("INUSE");
  });

  it("with shared_lastcall the wrap-up holds in every queue of the member", () => {
    const clock = { now: 500 };
    const devices = new DeviceRegistry();
    const queues = new QueueBook({ queues: [{ name: "support" }, { name: "sales" }], devices, nowSeconds: () => clock.now, deviceState: () => "NOT_INUSE" });
    queues.add("support", "PJSIP/1000");
    queues.add("sales", "PJSIP/1000");
    const support = queues.queue("support") as SimQueue;
    queues.deviceChanged("PJSIP/1000", "INUSE");
    queues.callConnected(support, support.members.get("PJSIP/1000") as SimMember, 0);
    clock.now += 3;
    const events = queues.deviceChanged("PJSIP/1000", "NOT_INUSE");
    expect(events.filter((e) => e.name === "QueueMemberStatus").map((e) => Object.fromEntries(e.headers))).toEqual([
      expect.objectContaining({ Queue: "support", CallsTaken: 1, LastCall: 503 }),
      expect.objectContaining({ Queue: "sales", CallsTaken: 1, LastCall: 503 }),
    ]);
    expect(queues.nextMember("sales")).toBeNull();
  });
});
