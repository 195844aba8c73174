// The whole availability rule, row by row: phone × presence/DND × queue pause × wrap-up × staleness.
import { describe, expect, it } from "vitest";
import { unavailableReasons, type Layers } from "../../src/domain/availability.ts";
import { PRESENCE_REASON, presenceReasons } from "../../src/domain/presence/presence-rule.ts";
import { queueReasons, withWrapUp, wrapUpUntil } from "../../src/domain/queues/queue-rule.ts";
import type { QueueMembership, UnavailableReason } from "../../src/domain/types.ts";
import { member } from "../helpers/agents.ts";

const NOW = 1_800_000_000_000;


const membership = (queue: string, overrides: Partial<QueueMembership> = {}): QueueMembership => ({ ...member(queue), wrapUpUntil: null, ...overrides });

const layers = (overrides: Partial<Layers> = {}): Layers => ({ status: "AVAILABLE", dnd: false, presence: null, queues: [], stale: false, ...overrides });

describe("the availability rule (README, Availability), row by row", () => {
  it.each<[string, Partial<Layers>, string | null, UnavailableReason[]]>([
    ["idle phone, nothing else", {}, null, []],
    ["offline", { status: "OFFLINE" }, null, ["OFFLINE"]],
    ["unreachable", { status: "UNREACHABLE" }, null, ["UNREACHABLE"]],
    ["ringing", { status: "RINGING" }, null, ["RINGING"]],
    ["on a call", { status: "ON_CALL" }, null, ["ON_CALL"]],
    ["busy", { status: "BUSY" }, null, ["BUSY"]],
    ["on hold", { status: "ON_HOLD" }, null, ["ON_HOLD"]],
    ["DND on", { dnd: true }, null, ["DND"]],
    ["DND on and presence dnd: one reason", { dnd: true, presence: "dnd" }, null, ["DND"]],
    ["presence away", { presence: "away" }, null, ["AWAY"]],
    ["presence xa", { presence: "xa" }, null, ["EXTENDED_AWAY"]],
    ["presence unavailable", { presence: "unavailable" }, null, ["PRESENCE_UNAVAILABLE"]],
    ["presence available", { presence: "available" }, null, []],
    ["presence chat", { presence: "chat" }, null, []],
    ["presence not_set", { presence: "not_set" }, null, []],
    ["paused in its only queue", { queues: [membership("support", { paused: true })] }, null, ["PAUSED"]],
    ["paused in one of two queues: available as a whole", { queues: [membership("support", { paused: true }), membership("sales")] }, null, []],
    ["paused in one of two queues, asked for that queue", { queues: [membership("support", { paused: true }), membership("sales")] }, "support", ["PAUSED"]],
    ["paused in one of two queues, asked for the other", { queues: [membership("support", { paused: true }), membership("sales")] }, "sales", []],
    ["paused in both queues", { queues: [membership("support", { paused: true }), membership("sales", { paused: true })] }, null, ["PAUSED"]],
    ["not a member of the queue asked for", { queues: [membership("support")] }, "sales", ["NOT_IN_QUEUE"]],
    ["no queues, asked for a queue", {}, "sales", ["NOT_IN_QUEUE"]],
    ["no queues, no queue asked: not paused", {}, null, []],
    ["in wrap-up", { queues: [membership("support", { wrapUpUntil: NOW + 1 })] }, null, ["WRAP_UP"]],
    ["wrap-up ended exactly now", { queues: [membership("support", { wrapUpUntil: NOW })] }, null, []],
    ["in wrap-up in support, asked for sales", { queues: [membership("support", { wrapUpUntil: NOW + 1 }), membership("sales")] }, "sales", []],
    ["stale", { stale: true }, null, ["STALE"]],
    ["everything at once, in order", { status: "ON_CALL", dnd: true, presence: "away", queues: [membership("support", { paused: true, wrapUpUntil: NOW + 5 })], stale: true }, null, ["ON_CALL", "DND", "AWAY", "PAUSED", "WRAP_UP", "STALE"]],
  ])("%s", (_name, input, queue, reasons) => {
    expect(unavailableReasons(layers(input), { queue, now: NOW })).toEqual(reasons);
  });

  it("every presence state has a row", () => {
    expect(Object.keys(PRESENCE_REASON).sort()).toEqual(["available", "away", "chat", "dnd", "not_set", "unavailable", "xa"]);
    expect(presenceReasons(false, null)).toEqual([]);
  });
});

describe("wrap-up (app_queue's is_member_available: rung again once now - wrapuptime >= LastCall)", () => {
  it("ends on the whole second LastCall + wrapuptime", () => {
    expect(wrapUpUntil(1_796_001_222_000, 5)).toBe(1_796_001_227_000);
    // LastCall is whole seconds; a fraction (never sent by Asterisk) is floored like Asterisk's time().
    expect(wrapUpUntil(1_796_001_222_900, 5)).toBe(1_796_001_227_000);
  });

  it("none without a last call or with wrapuptime 0", () => {
    expect(wrapUpUntil(null, 5)).toBeNull();
    expect(wrapUpUntil(1_796_001_222_000, 0)).toBeNull();
  });

  it("the queue's wrapuptime unless the member has its own (Wrapuptime: 0 means the queue's)", () => {
    const policy = { wrapUpSeconds: (q: string) => (q === "support" ? 5 : 30), sharedLastCall: false };
    const [queueValue, ownValue] = withWrapUp([member("support", { lastCall: 1_000_000 }), member("sales", { lastCall: 1_000_000, wrapUpSeconds: 2 })], policy);
    expect(queueValue!.wrapUpUntil).toBe(1_005_000);
    expect(ownValue!.wrapUpUntil).toBe(1_002_000);
  });

  it("shared_lastcall: a call from support starts the wrap-up in sales too", () => {
    const members = [member("support", { lastCall: 1_000_000 }), member("sales", { lastCall: null })];
    expect(withWrapUp(members, { wrapUpSeconds: () => 5, sharedLastCall: true }).map((m) => m.wrapUpUntil)).toEqual([1_005_000, 1_005_000]);
    expect(withWrapUp(members, { wrapUpSeconds: () => 5, sharedLastCall: false }).map((m) => m.wrapUpUntil)).toEqual([1_005_000, null]);
  });

  it("queueReasons at the edge of the window", () => {
    const queues = [membership("support", { wrapUpUntil: 5_000 })];
    expect(queueReasons(queues, null, 4_999)).toEqual(["WRAP_UP"]);
    expect(queueReasons(queues, null, 5_000)).toEqual([]);
  });
});
