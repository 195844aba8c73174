// Shared scenarios of the agent layers (issue 7): DND, presence, queue membership and pause, wrap-up
// after a queue call, an agent with two extensions, the CRM's mutations, and a PBX restart with
// members paused. Each drives the PBX (a PbxAgentLayers driver), then checks the public API (GraphQL
// queries, the graphql-ws stream, within 1 s) against what the PBX's own CLI says (`core show hint`,
// `queue show`). Written against the driver interface so the simulator can run the same ones.
import { expect, test } from "vitest";
import {
  AGENT_LAYERS_QUERY,
  AVAILABLE_AGENTS_QUERY,
  CAN_TRANSFER_QUERY,
  PAUSE_AGENT_MUTATION,
  QUEUES_QUERY,
  REFRESH_MUTATION,
  SET_DND_MUTATION,
  SET_PRESENCE_MUTATION,
  UNPAUSE_AGENT_MUTATION,
  type AgentLayersView,
  type DeltaEvent,
  type QueueMembershipView,
  type TransferCheckView,
  type UnavailableReason,
} from "./agent-api.ts";
import { registerBecomesAvailable } from "./register.ts";
import { MAX_LATENCY_MS, type ScenarioContext } from "./scenario-context.ts";
import type { PbxAgentLayers, PbxDriver, PbxQueueMember } from "./pbx-driver.ts";
import type { RecordedDelta } from "./subscription-recorder.ts";
import { waitForStreamAgreement } from "./stream-agreement.ts";
import { eventually } from "./eventually.ts";

export interface AgentLayersContext extends ScenarioContext {
  pbx: PbxDriver & PbxAgentLayers;
  /** Creates a CRM user owning `extensions` (the first is users.extension, the others user_extensions rows) in the service's database. Returns users.id. */
  addUser(name: string, extensions: readonly string[]): Promise<string>;
  /** The queues' wrapuptime, as the PBX and the service (QUEUE_WRAPUP_SECONDS) are configured. */
  wrapUpSeconds: number;
}

/** The PBX's queues the scenarios use (the lab's: support = 2000, sales = 2001). */
export const QUEUES = ["support", "sales"] as const;

/** Extensions the agent-layer cases use; other cases of a suite must stay off them. */
export const AGENT_LAYER_EXTENSIONS = ["1010", "1011", "1012", "1013", "1014", "1015", "1016", "1017", "1018"] as const;

// ---- reading the public API ----

export async function agentOf(ctx: AgentLayersContext, ext: string): Promise<AgentLayersView> {
  const { agents } = await ctx.service.query<{ agents: AgentLayersView[] }>(AGENT_LAYERS_QUERY);
  const found = agents.filter((a) => a.extensions.some((e) => e.extension === ext));
  expect(found.length, `agents owning ${ext}`).toBe(1);
  return found[0]!;
}

async function availableExtensions(ctx: AgentLayersContext, queue?: string): Promise<string[]> {
  const { availableAgents } = await ctx.service.query<{ availableAgents: Array<{ extension: string }> }>(AVAILABLE_AGENTS_QUERY, { queue: queue ?? null });
  return availableAgents.map((a) => a.extension);
}

async function canTransfer(ctx: AgentLayersContext, to: string, queue?: string): Promise<TransferCheckView> {
  return (await ctx.service.query<{ canTransfer: TransferCheckView }>(CAN_TRANSFER_QUERY, { to, queue: queue ?? null })).canTransfer;
}

function membership(agent: AgentLayersView, queue: string): QueueMembershipView | undefined {
  return agent.queues.find((q) => q.queue === queue);
}

// When the last command to the PBX (a driver call or a mutation) was issued and when it returned.
let lastCommand = { issuedAt: 0, returnedAt: 0 };

async function command<T>(run: () => Promise<T>): Promise<T> {
  const issuedAt = Date.now();
  const result = await run();
  lastCommand = { issuedAt, returnedAt: Date.now() };
  return result;
}

/** `pushed` options for a change the last command made: the PBX shows it when the command returns. */
function afterCommand(): { since: number; issuedAt: number } {
  return { since: lastCommand.returnedAt, issuedAt: lastCommand.issuedAt };
}

/**
 * The first delta of `ext`'s agent after `mark` that matches, within 5 s. It must come within 1 s of
 * `since` (when the PBX showed the change: the driver returned; lab commands poll the CLI, so the
 * delta often comes first). Recorded as `name`: the time from `issuedAt` (the command's start, an
 * upper bound of the real latency) when there was a command, else from `since`.
 */
async function pushed(
  ctx: AgentLayersContext,
  ext: string,
  options: { mark: number; since: number; issuedAt?: number; name: string; matches: (delta: DeltaEvent) => boolean },
): Promise<RecordedDelta> {
  const seen = await ctx.stream.nextDelta((d) => d.extensions.includes(ext) && !d.removed && options.matches(d), {
    after: options.mark,
    timeoutMs: 5_000,
    message: `${options.name} (${ext})`,
  });
  const latency = seen.receivedAt - options.since;
  ctx.latencies.set(`${ctx.pbx.name} ${options.name}${options.issuedAt === undefined ? "" : " (from the command's start)"}`, seen.receivedAt - (options.issuedAt ?? options.since));
  expect(latency, `${options.name}: delta within 1 s`).toBeLessThanOrEqual(MAX_LATENCY_MS);
  return seen;
}

const same = (a: readonly UnavailableReason[], b: readonly UnavailableReason[]) => a.join() === b.join();

/**
 * The service's queue memberships equal the PBX's `queue show` for these extensions: the same queues,
 * paused flags, reasons and calls taken, nothing more. Waits up to `timeoutMs` for them to agree.
 */
export async function waitForQueueAgreement(ctx: AgentLayersContext, extensions: readonly string[], timeoutMs = 3_000): Promise<void> {
  const describe = (m: { queue: string; paused: boolean; pausedReason: string | null; callsTaken: number }) =>
    `${m.queue}:${m.paused ? `paused(${m.pausedReason ?? ""})` : "active"}:calls=${m.callsTaken}`;
  let last = "";
  await eventually(
    async () => {
      const pbx = new Map<string, string[]>();
      for (const queue of QUEUES) {
        for (const member of await ctx.pbx.queueMembers(queue)) {
          if (member.extension === null || !extensions.includes(member.extension)) continue;
          pbx.set(member.extension, [...(pbx.get(member.extension) ?? []), describe({ ...member, queue })]);
        }
      }
      const { agents } = await ctx.service.query<{ agents: AgentLayersView[] }>(AGENT_LAYERS_QUERY);
      const problems: string[] = [];
      for (const ext of extensions) {
        const served = agents
          .filter((a) => a.extensions.some((e) => e.extension === ext))
          .flatMap((a) => a.queues)
          .filter((q) => q.interface === `PJSIP/${ext}`)
          .map(describe)
          .sort();
        const want = (pbx.get(ext) ?? []).sort();
        if (served.join() !== want.join()) problems.push(`${ext}: served [${served.join(", ")}], ${ctx.pbx.name} [${want.join(", ")}]`);
      }
      last = problems.join("; ");
      return problems.length === 0;
    },
    { timeoutMs, intervalMs: 100, message: `queue memberships equal to the PBX's queue show` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}: ${last}`);
  });
}

async function pbxMember(ctx: AgentLayersContext, queue: string, ext: string): Promise<PbxQueueMember | undefined> {
  return (await ctx.pbx.queueMembers(queue)).find((m) => m.extension === ext);
}

async function expectAvailable(ctx: AgentLayersContext, ext: string): Promise<void> {
  expect(await agentOf(ctx, ext), `${ext} must start available`).toMatchObject({ status: "AVAILABLE", available: true, reasons: [], stale: false });
}

// ---- the scenarios ----

/** FreePBX DND on the PBX → reasons [DND], dnd, not available (status stays the phone's); off → back. */
export async function dndOnAndOff(ctx: AgentLayersContext, ext: string): Promise<void> {
  await expectAvailable(ctx, ext);
  let mark = ctx.stream.mark();
  await command(() => ctx.pbx.dnd(ext, true));
  const onSeen = await pushed(ctx, ext, { mark, ...afterCommand(), name: `DND on ${ext} → reasons [DND]`, matches: (d) => d.dnd && same(d.reasons, ["DND"]) });
  expect(onSeen.delta).toMatchObject({ status: "AVAILABLE", available: false, online: true });
  expect(await ctx.pbx.hint(ext)).toMatchObject({ state: "Busy", presence: "dnd" });
  await eventually(async () => (await agentOf(ctx, ext)).presence?.state === "DND", { timeoutMs: MAX_LATENCY_MS, message: `${ext} presence DND` });
  expect(await agentOf(ctx, ext)).toMatchObject({ status: "AVAILABLE", online: true, available: false, dnd: true, reasons: ["DND"], presence: { state: "DND" } });
  expect(await availableExtensions(ctx)).not.toContain(ext);
  expect(await canTransfer(ctx, ext)).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["DND"] });

  mark = ctx.stream.mark();
  await command(() => ctx.pbx.dnd(ext, false));
  const offSeen = await pushed(ctx, ext, { mark, ...afterCommand(), name: `DND off ${ext} → available`, matches: (d) => !d.dnd && d.available });
  expect(offSeen.delta.reasons).toEqual([]);
  expect(await ctx.pbx.hint(ext)).toMatchObject({ state: "Idle", presence: "available" });
  expect(await agentOf(ctx, ext)).toMatchObject({ status: "AVAILABLE", available: true, dnd: false, reasons: [], presence: { state: "AVAILABLE" } });
  expect(await canTransfer(ctx, ext)).toMatchObject({ ok: true, reasons: [] });
}

/** Presence away with a subtype and a message → presence {AWAY, subtype, message, since}, reasons [AWAY]; available again. */
export async function presenceAwayAndBack(ctx: AgentLayersContext, ext: string): Promise<void> {
  await expectAvailable(ctx, ext);
  let mark = ctx.stream.mark();
  const before = Date.now();
  await command(() => ctx.pbx.presence(ext, "away", "lunch", "Back at 2 pm"));
  const seen = await pushed(ctx, ext, { mark, ...afterCommand(), name: `presence away ${ext} → reasons [AWAY]`, matches: (d) => d.presence?.state === "AWAY" });
  expect(seen.delta).toMatchObject({ available: false, reasons: ["AWAY"], dnd: false, presence: { state: "AWAY", subtype: "lunch", message: "Back at 2 pm" } });
  const since = Date.parse(seen.delta.presence!.since);
  expect(since, "presence.since: when the PBX changed it").toBeGreaterThanOrEqual(before - 50);
  expect(since).toBeLessThanOrEqual(seen.receivedAt);
  expect((await ctx.pbx.hint(ext))?.presence).toBe("away");
  expect(await agentOf(ctx, ext)).toMatchObject({
    status: "AVAILABLE",
    available: false,
    reasons: ["AWAY"],
    presence: { state: "AWAY", subtype: "lunch", message: "Back at 2 pm", since: seen.delta.presence!.since },
  });
  expect(await canTransfer(ctx, ext)).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["AWAY"] });

  mark = ctx.stream.mark();
  await command(() => ctx.pbx.presence(ext, "available"));
  const back = await pushed(ctx, ext, { mark, ...afterCommand(), name: `presence available ${ext} → available`, matches: (d) => d.available });
  expect(back.delta).toMatchObject({ reasons: [], presence: { state: "AVAILABLE", subtype: null, message: null } });
  expect((await ctx.pbx.hint(ext))?.presence).toBe("available");
  expect(await availableExtensions(ctx)).toContain(ext);
}

/**
 * Queue add, pause with a reason, unpause, remove, in two queues: memberships as `queue show` says;
 * paused in support only → still available (and for sales), not for support ([PAUSED]); paused in
 * both → not available at all.
 */
export async function queueAddPauseUnpauseRemove(ctx: AgentLayersContext, ext: string): Promise<void> {
  await expectAvailable(ctx, ext);
  let mark = ctx.stream.mark();
  await command(() => ctx.pbx.queueAdd(ext, "support"));
  const added = await pushed(ctx, ext, { mark, ...afterCommand(), name: `queue add ${ext} support → membership`, matches: (d) => d.queues.some((q) => q.queue === "support") });
  expect(added.delta).toMatchObject({ available: true, reasons: [] });
  expect(added.delta.queues).toEqual([expect.objectContaining({ queue: "support", interface: `PJSIP/${ext}`, memberName: `Lab ${ext}`, paused: false, pausedReason: null, callsTaken: 0, inWrapUp: false })]);
  mark = ctx.stream.mark();
  await command(() => ctx.pbx.queueAdd(ext, "sales"));
  await pushed(ctx, ext, { mark, ...afterCommand(), name: `queue add ${ext} sales → membership`, matches: (d) => d.queues.some((q) => q.queue === "sales") });
  await waitForQueueAgreement(ctx, [ext]);

  // Paused in support only.
  mark = ctx.stream.mark();
  const pausedFrom = Date.now();
  await command(() => ctx.pbx.queuePause(ext, "support", "Lunch"));
  const paused = await pushed(ctx, ext, { mark, ...afterCommand(), name: `queue pause ${ext} support "Lunch" → paused`, matches: (d) => d.queues.some((q) => q.queue === "support" && q.paused) });
  const support = paused.delta.queues.find((q) => q.queue === "support")!;
  expect(support).toMatchObject({ paused: true, pausedReason: "Lunch" });
  // LastPause is in whole seconds.
  expect(Date.parse(support.pausedSince!), "pausedSince").toBeGreaterThanOrEqual(Math.floor(pausedFrom / 1000) * 1000 - 1000);
  expect(Date.parse(support.pausedSince!)).toBeLessThanOrEqual(paused.receivedAt);
  expect(paused.delta.queues.find((q) => q.queue === "sales")).toMatchObject({ paused: false, pausedReason: null });
  expect(paused.delta, "paused in one queue of two: still available without a queue").toMatchObject({ available: true, reasons: [] });
  expect(await pbxMember(ctx, "support", ext)).toMatchObject({ paused: true, pausedReason: "Lunch" });
  await waitForQueueAgreement(ctx, [ext]);
  expect(await availableExtensions(ctx)).toContain(ext);
  expect(await availableExtensions(ctx, "sales")).toContain(ext);
  expect(await availableExtensions(ctx, "support")).not.toContain(ext);
  expect(await canTransfer(ctx, ext, "support")).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["PAUSED"] });
  expect(await canTransfer(ctx, ext, "sales")).toMatchObject({ ok: true, reasons: [] });
  expect(await canTransfer(ctx, ext)).toMatchObject({ ok: true, reasons: [] });
  const { queues } = await ctx.service.query<{ queues: Array<{ queue: string; members: number; available: number; paused: number }> }>(QUEUES_QUERY);
  expect(queues.find((q) => q.queue === "support")).toMatchObject({ members: 1, available: 0, paused: 1 });
  expect(queues.find((q) => q.queue === "sales")).toMatchObject({ members: 1, available: 1, paused: 0 });

  // Paused in every queue it belongs to.
  mark = ctx.stream.mark();
  await command(() => ctx.pbx.queuePause(ext, "sales", "Meeting"));
  const everywhere = await pushed(ctx, ext, { mark, ...afterCommand(), name: `queue pause ${ext} in every queue → reasons [PAUSED]`, matches: (d) => same(d.reasons, ["PAUSED"]) });
  expect(everywhere.delta).toMatchObject({ status: "AVAILABLE", available: false });
  expect(everywhere.delta.queues.find((q) => q.queue === "sales")).toMatchObject({ paused: true, pausedReason: "Meeting" });
  await waitForQueueAgreement(ctx, [ext]);
  expect(await availableExtensions(ctx)).not.toContain(ext);
  expect(await canTransfer(ctx, ext)).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["PAUSED"] });

  // Unpaused everywhere: Asterisk empties the reason.
  mark = ctx.stream.mark();
  await command(() => ctx.pbx.queueUnpause(ext, "all"));
  await pushed(ctx, ext, { mark, ...afterCommand(), name: `queue unpause ${ext} all → available`, matches: (d) => d.queues.every((q) => !q.paused) });
  await waitForQueueAgreement(ctx, [ext]);
  expect(await agentOf(ctx, ext)).toMatchObject({ available: true, reasons: [] });
  expect((await agentOf(ctx, ext)).queues.map((q) => [q.queue, q.paused, q.pausedReason]).sort()).toEqual([
    ["sales", false, null],
    ["support", false, null],
  ]);

  // Removed from both.
  mark = ctx.stream.mark();
  await command(() => ctx.pbx.queueRemove(ext, "support"));
  await pushed(ctx, ext, { mark, ...afterCommand(), name: `queue remove ${ext} support → membership gone`, matches: (d) => !d.queues.some((q) => q.queue === "support") });
  await ctx.pbx.queueRemove(ext, "sales");
  await eventually(async () => (await agentOf(ctx, ext)).queues.length === 0, { timeoutMs: MAX_LATENCY_MS, message: `${ext} in no queue` });
  await waitForQueueAgreement(ctx, [ext]);
  expect(await canTransfer(ctx, ext, "support")).toMatchObject({ ok: false, reason: "NOT_IN_QUEUE", reasons: ["NOT_IN_QUEUE"] });
  expect(await canTransfer(ctx, ext)).toMatchObject({ ok: true });
}

export interface WrapUpResult {
  /** Epoch ms the service says the wrap-up ends (LastCall + wrapuptime). */
  wrapUpUntil: number;
  /** When the subscriber got the member back available; minus wrapUpUntil: the end's accuracy. */
  backAt: number;
}

/**
 * `caller` calls `queue`; `member` (its only free member) rings, answers, the caller hangs up: the
 * member is RINGING, ON_CALL, then AVAILABLE with reasons [WRAP_UP] until LastCall + wrapuptime, and
 * comes back by itself (a delta, no PBX event) within 1 s of that. With shared_lastcall the wrap-up
 * holds in the member's other queues too. Leaves the member in its queues.
 */
export async function queueCallThenWrapUp(ctx: AgentLayersContext, member: string, caller: string, options: { queue: string; otherQueue?: string }): Promise<WrapUpResult> {
  const { queue, otherQueue } = options;
  await expectAvailable(ctx, member);
  // The membership was just added on the PBX; its QueueMemberAdded may reach the service a few ms later.
  await waitForQueueAgreement(ctx, [member]);
  const callsBefore = membership(await agentOf(ctx, member), queue)?.callsTaken;
  expect(callsBefore, `${member} must be a member of ${queue}`).toBeDefined();
  const mark = ctx.stream.mark();
  const startedAt = Date.now();
  const call = ctx.pbx.queueCall(caller, queue, 2);
  call.catch(() => undefined); // awaited below
  await ctx.stream.nextDelta((d) => d.extension === member && d.status === "RINGING", { after: mark, timeoutMs: 10_000, message: `${member} RINGING (queue ${queue})` });
  await ctx.stream.nextDelta((d) => d.extension === member && d.status === "ON_CALL", { after: mark, timeoutMs: 10_000, message: `${member} ON_CALL` });
  await call;
  const hungUpAt = Date.now();
  const wrapping = await pushed(ctx, member, { mark, since: hungUpAt, name: `queue call hang-up ${member} → reasons [WRAP_UP]`, matches: (d) => d.status === "AVAILABLE" && same(d.reasons, ["WRAP_UP"]) });
  const own = wrapping.delta.queues.find((q) => q.queue === queue)!;
  expect(own).toMatchObject({ inWrapUp: true, callsTaken: callsBefore! + 1 });
  const lastCall = Date.parse(own.lastCall!);
  const wrapUpUntil = Date.parse(own.wrapUpUntil!);
  // LastCall is the hang-up second (whole seconds).
  expect(lastCall % 1000, "LastCall in whole seconds").toBe(0);
  expect(lastCall, "LastCall: at the hang-up").toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
  expect(lastCall).toBeLessThanOrEqual(hungUpAt);
  expect(hungUpAt - lastCall, "LastCall: the hang-up second").toBeLessThan(2_000);
  expect(wrapUpUntil - lastCall, "wrapUpUntil = LastCall + wrapuptime").toBe(ctx.wrapUpSeconds * 1000);
  if (otherQueue) {
    // shared_lastcall: the other queue's membership is in wrap-up too, to the same second.
    await eventually(async () => membership(await agentOf(ctx, member), otherQueue)?.inWrapUp === true, { timeoutMs: MAX_LATENCY_MS, message: `${member} in wrap-up in ${otherQueue} too` });
    expect(Date.parse(membership(await agentOf(ctx, member), otherQueue)!.wrapUpUntil!)).toBe(wrapUpUntil);
  }
  expect(await availableExtensions(ctx)).not.toContain(member);
  expect(await availableExtensions(ctx, queue)).not.toContain(member);
  expect(await canTransfer(ctx, member, queue)).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["WRAP_UP"] });
  expect(await pbxMember(ctx, queue, member)).toMatchObject({ callsTaken: callsBefore! + 1, inCall: false, deviceState: "Not in use" });

  // Back by itself: no PBX event marks the end.
  const back = await ctx.stream.nextDelta((d) => d.extension === member && d.available, {
    after: wrapping.index + 1,
    timeoutMs: Math.max(0, wrapUpUntil + MAX_LATENCY_MS + 2_000 - Date.now()),
    message: `${member} available again after the wrap-up`,
  });
  ctx.latencies.set(`${ctx.pbx.name} wrap-up end (LastCall+${ctx.wrapUpSeconds} s) → ${member} available delta`, back.receivedAt - wrapUpUntil);
  expect(back.receivedAt, "not back before the wrap-up ends").toBeGreaterThanOrEqual(wrapUpUntil);
  expect(back.receivedAt - wrapUpUntil, "back within 1 s of the wrap-up end").toBeLessThanOrEqual(MAX_LATENCY_MS);
  expect(back.delta).toMatchObject({ status: "AVAILABLE", reasons: [] });
  expect(back.delta.queues.every((q) => !q.inWrapUp)).toBe(true);

  // The member's history: ringing, on the call, wrap-up, available; nothing available in between.
  const history = ctx.stream
    .deltasSince(mark)
    .filter(({ delta, index }) => delta.extension === member && index <= back.index)
    .map(({ delta }) => `${delta.status}${delta.available ? "" : `[${delta.reasons.join(",")}]`}`)
    .filter((entry, i, all) => i === 0 || entry !== all[i - 1]);
  // AgentComplete comes a few ms before the phone's NOT_INUSE: the wrap-up may start while still ON_CALL.
  const withoutOverlap = history.filter((entry) => entry !== "ON_CALL[ON_CALL,WRAP_UP]");
  expect(withoutOverlap, `${member} as the stream shows it: ${history.join(" → ")}`).toEqual(["RINGING[RINGING]", "ON_CALL[ON_CALL]", "AVAILABLE[WRAP_UP]", "AVAILABLE"]);
  expect(await agentOf(ctx, member)).toMatchObject({ available: true, reasons: [] });
  expect(await availableExtensions(ctx, queue)).toContain(member);
  return { wrapUpUntil, backAt: back.receivedAt };
}

/**
 * A CRM user owning two registered extensions appears once (`user:<uuid>`), main extension first;
 * a call to the second one rings the agent while the first one is idle; the per-extension detail
 * says which.
 */
export async function oneUserTwoExtensions(ctx: AgentLayersContext, main: string, second: string, caller: string): Promise<void> {
  await expectAvailable(ctx, main);
  await expectAvailable(ctx, second);
  const mark = ctx.stream.mark();
  const userId = await ctx.addUser(`Agent ${main}+${second}`, [main, second]);
  await ctx.service.query(REFRESH_MUTATION); // reloads the users at once
  const grouped = await ctx.stream.nextDelta((d) => d.agent.id === `user:${userId}` && !d.removed, { after: mark, timeoutMs: 5_000, message: `the user's agent` });
  expect(grouped.delta).toMatchObject({ extension: main, extensions: [main, second], status: "AVAILABLE", available: true });
  await ctx.stream.nextDelta((d) => d.extension === second && d.removed, { after: mark, timeoutMs: 5_000, message: `${second} no longer an agent of its own` });
  const { agents } = await ctx.service.query<{ agents: AgentLayersView[] }>(AGENT_LAYERS_QUERY);
  const owning = agents.filter((a) => a.extensions.some((e) => e.extension === main || e.extension === second) || [main, second].includes(a.extension));
  expect(owning.map((a) => a.id), "the agent appears once").toEqual([`user:${userId}`]);
  expect(owning[0]).toMatchObject({ extension: main, userId, name: `Agent ${main}+${second}`, status: "AVAILABLE", available: true });
  expect(owning[0]!.extensions.map((e) => [e.extension, e.status])).toEqual([[main, "AVAILABLE"], [second, "AVAILABLE"]]);
  expect(await availableExtensions(ctx)).toContain(main);
  expect(await availableExtensions(ctx)).not.toContain(second);
  expect(await canTransfer(ctx, second), "canTransfer to the second extension answers for the agent").toMatchObject({ ok: true });
  await waitForStreamAgreement(ctx.stream, ctx.service);

  // The second extension rings; the first stays idle.
  const callMark = ctx.stream.mark();
  const call = ctx.pbx.call(caller, second, 2);
  call.catch(() => undefined);
  const ringing = await ctx.stream.nextDelta((d) => d.agent.id === `user:${userId}` && d.status === "RINGING", { after: callMark, timeoutMs: 5_000, message: `the agent RINGING` });
  expect(ringing.delta).toMatchObject({ extension: main, available: false, reasons: ["RINGING"] });
  // The delta's detail says which extension rings.
  expect(ringing.delta.agent.extensions.map((e) => [e.extension, e.status])).toEqual([
    [main, "AVAILABLE"],
    [second, "RINGING"],
  ]);
  await ctx.stream.nextDelta((d) => d.agent.id === `user:${userId}` && d.status === "ON_CALL", { after: callMark, timeoutMs: 5_000, message: `the agent ON_CALL` });
  const onCall = await agentOf(ctx, main);
  expect(onCall.extensions.map((e) => [e.extension, e.status])).toEqual([[main, "AVAILABLE"], [second, "ON_CALL"]]);
  expect(await canTransfer(ctx, main)).toMatchObject({ ok: false, reasons: ["ON_CALL"] });
  await call;
  const hungUpAt = Date.now();
  await pushed(ctx, main, { mark: callMark, since: hungUpAt, name: `hang-up on ${second} → agent ${main}+${second} available`, matches: (d) => d.available });
  const statuses = ctx.stream
    .deltasSince(callMark)
    .filter(({ delta }) => delta.agent.id === `user:${userId}`)
    .map(({ delta }) => delta.status)
    .filter((s, i, all) => i === 0 || s !== all[i - 1]);
  expect(statuses, "the agent as the stream shows it").toEqual(["RINGING", "ON_CALL", "AVAILABLE"]);
  expect(ctx.stream.deltasSince(callMark).filter(({ delta }) => delta.extension === second), `no delta for ${second} alone`).toEqual([]);
  await waitForStreamAgreement(ctx.stream, ctx.service);
}

interface CommandView {
  accepted: boolean;
  message: string | null;
}

async function mutate(ctx: AgentLayersContext, document: string, variables: Record<string, unknown>): Promise<CommandView> {
  const data = await command(() => ctx.service.query<Record<string, CommandView>>(document, variables));
  const result = Object.values(data)[0]!;
  expect(result.accepted).toBe(true);
  return result;
}

/**
 * setDnd / setPresence / pauseAgent(reason) / unpauseAgent: seen on the PBX (`core show hint`,
 * `queue show`), and served once the PBX reports them (a delta within 1 s of the mutation's answer).
 * A pause the PBX refuses (not a member) is a GraphQL error with code AMI_REFUSED.
 */
export async function mutationsReachThePbx(ctx: AgentLayersContext, ext: string, notMember: string): Promise<void> {
  await expectAvailable(ctx, ext);
  let mark = ctx.stream.mark();
  await mutate(ctx, SET_DND_MUTATION, { extension: ext, on: true });
  await pushed(ctx, ext, { mark, ...afterCommand(), name: `setDnd(${ext}, true) → reasons [DND]`, matches: (d) => d.dnd && same(d.reasons, ["DND"]) });
  await eventually(async () => {
    const hint = await ctx.pbx.hint(ext);
    return hint?.state === "Busy" && hint.presence === "dnd";
  }, { timeoutMs: 2_000, message: `${ctx.pbx.name} shows DND on ${ext}` });

  mark = ctx.stream.mark();
  await mutate(ctx, SET_DND_MUTATION, { extension: ext, on: false });
  await pushed(ctx, ext, { mark, ...afterCommand(), name: `setDnd(${ext}, false) → available`, matches: (d) => !d.dnd && d.available });
  expect(await ctx.pbx.hint(ext)).toMatchObject({ state: "Idle", presence: "available" });

  mark = ctx.stream.mark();
  await mutate(ctx, SET_PRESENCE_MUTATION, { extension: ext, state: "AWAY", subtype: "meeting", message: "In a meeting until 3" });
  const away = await pushed(ctx, ext, { mark, ...afterCommand(), name: `setPresence(${ext}, AWAY) → reasons [AWAY]`, matches: (d) => d.presence?.state === "AWAY" });
  expect(away.delta).toMatchObject({ available: false, reasons: ["AWAY"], presence: { subtype: "meeting", message: "In a meeting until 3" } });
  expect((await ctx.pbx.hint(ext))?.presence).toBe("away");
  mark = ctx.stream.mark();
  await mutate(ctx, SET_PRESENCE_MUTATION, { extension: ext, state: "AVAILABLE" });
  await pushed(ctx, ext, { mark, ...afterCommand(), name: `setPresence(${ext}, AVAILABLE) → available`, matches: (d) => d.available });
  expect((await ctx.pbx.hint(ext))?.presence).toBe("available");

  await ctx.pbx.queueAdd(ext, "support");
  await eventually(async () => membership(await agentOf(ctx, ext), "support") !== undefined, { timeoutMs: MAX_LATENCY_MS, message: `${ext} member of support` });
  mark = ctx.stream.mark();
  await mutate(ctx, PAUSE_AGENT_MUTATION, { extension: ext, queue: "support", reason: "Coffee" });
  const paused = await pushed(ctx, ext, { mark, ...afterCommand(), name: `pauseAgent(${ext}, support, "Coffee") → paused`, matches: (d) => d.queues.some((q) => q.queue === "support" && q.paused) });
  expect(paused.delta.queues).toEqual([expect.objectContaining({ queue: "support", paused: true, pausedReason: "Coffee" })]);
  expect(paused.delta).toMatchObject({ available: false, reasons: ["PAUSED"] });
  expect(await pbxMember(ctx, "support", ext)).toMatchObject({ paused: true, pausedReason: "Coffee" });
  mark = ctx.stream.mark();
  await mutate(ctx, UNPAUSE_AGENT_MUTATION, { extension: ext, queue: "support" });
  await pushed(ctx, ext, { mark, ...afterCommand(), name: `unpauseAgent(${ext}, support) → available`, matches: (d) => d.available && d.queues.every((q) => !q.paused) });
  expect(await pbxMember(ctx, "support", ext)).toMatchObject({ paused: false, pausedReason: null });
  await waitForQueueAgreement(ctx, [ext]);
  await ctx.pbx.queueRemove(ext, "support");

  // Refused by the PBX: not a member.
  expect(await pbxMember(ctx, "support", notMember)).toBeUndefined();
  const refused = await ctx.service.graphql<unknown>(PAUSE_AGENT_MUTATION, { extension: notMember, queue: "support", reason: "Lunch" });
  expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(refused.errors)).toBe("AMI_REFUSED");
  expect(refused.errors?.[0]?.message).toMatch(/^Asterisk refused: .+/);
  console.info(`${ctx.pbx.name}: pause of a non-member refused: ${refused.errors?.[0]?.message}`);
  expect(await pbxMember(ctx, "support", notMember)).toBeUndefined();
}

/**
 * The issue's "Done when": DND on `dnd`, `paused` paused in support for "Lunch" (member of sales
 * too), a queue call finished on `wrapUp`: each change pushed within 1 s; none of the three can take
 * a support call, canTransfer says why for each; availableAgents(queue: "sales") still lists the
 * paused one; the wrap-up one comes back by itself.
 */
export async function doneWhen(ctx: AgentLayersContext, plan: { dnd: string; paused: string; wrapUp: string; caller: string }): Promise<WrapUpResult> {
  const { dnd, paused, wrapUp, caller } = plan;
  for (const ext of [dnd, paused, wrapUp]) await expectAvailable(ctx, ext);

  let mark = ctx.stream.mark();
  await command(() => ctx.pbx.dnd(dnd, true));
  await pushed(ctx, dnd, { mark, ...afterCommand(), name: `done-when: DND on ${dnd} → pushed`, matches: (d) => d.dnd && !d.available });

  await ctx.pbx.queueAdd(paused, "support");
  await ctx.pbx.queueAdd(paused, "sales");
  mark = ctx.stream.mark();
  await command(() => ctx.pbx.queuePause(paused, "support", "Lunch"));
  await pushed(ctx, paused, { mark, ...afterCommand(), name: `done-when: ${paused} paused in support "Lunch" → pushed`, matches: (d) => d.queues.some((q) => q.queue === "support" && q.paused && q.pausedReason === "Lunch") });

  // The DND agent joins support after the call: app_queue does not look at the DND device and would ring it.
  await ctx.pbx.queueAdd(wrapUp, "support");
  await eventually(async () => membership(await agentOf(ctx, wrapUp), "support") !== undefined, { timeoutMs: MAX_LATENCY_MS, message: `${wrapUp} member of support` });
  mark = ctx.stream.mark();
  const call = ctx.pbx.queueCall(caller, "support", 1);
  call.catch(() => undefined);
  await ctx.stream.nextDelta((d) => d.extension === wrapUp && d.status === "ON_CALL", { after: mark, timeoutMs: 10_000, message: `${wrapUp} answers the support call` });
  await call;
  const wrapping = await pushed(ctx, wrapUp, { mark, since: Date.now(), name: `done-when: call finished on ${wrapUp} → WRAP_UP pushed`, matches: (d) => same(d.reasons, ["WRAP_UP"]) });
  const wrapUpUntil = Date.parse(wrapping.delta.queues.find((q) => q.queue === "support")!.wrapUpUntil!);
  // Checked while the wrap-up lasts.
  expect(await availableExtensions(ctx, "support")).not.toContain(wrapUp);
  expect(await availableExtensions(ctx)).not.toContain(wrapUp);
  expect(await canTransfer(ctx, wrapUp, "support")).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["WRAP_UP"] });
  expect(await canTransfer(ctx, wrapUp)).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["WRAP_UP"] });
  expect(Date.now(), "the wrap-up checks ran inside the wrap-up").toBeLessThan(wrapUpUntil);

  mark = ctx.stream.mark();
  await command(() => ctx.pbx.queueAdd(dnd, "support"));
  await pushed(ctx, dnd, { mark, ...afterCommand(), name: `done-when: ${dnd} (DND) joins support → pushed`, matches: (d) => d.queues.some((q) => q.queue === "support") });

  const forSupport = await availableExtensions(ctx, "support");
  for (const ext of [dnd, paused]) expect(forSupport, `availableAgents(queue: support) lists ${ext}`).not.toContain(ext);
  const anyQueue = await availableExtensions(ctx);
  expect(anyQueue).not.toContain(dnd);
  // README: without a queue, paused counts only when paused in every queue the agent belongs to.
  expect(anyQueue, `${paused} is paused in support only`).toContain(paused);
  expect(await availableExtensions(ctx, "sales"), `availableAgents(queue: sales) still lists ${paused}`).toContain(paused);
  expect(await canTransfer(ctx, dnd, "support")).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["DND"] });
  expect(await canTransfer(ctx, dnd)).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["DND"] });
  expect(await canTransfer(ctx, paused, "support")).toMatchObject({ ok: false, reason: "NOT_AVAILABLE", reasons: ["PAUSED"] });
  expect(await canTransfer(ctx, paused, "sales")).toMatchObject({ ok: true });
  const { queues } = await ctx.service.query<{ queues: Array<{ queue: string; members: number; available: number; paused: number; inWrapUp: number }> }>(QUEUES_QUERY);
  if (Date.now() < wrapUpUntil) expect(queues.find((q) => q.queue === "support")).toMatchObject({ members: 3, available: 0, paused: 1, inWrapUp: 1 });
  await waitForQueueAgreement(ctx, [dnd, paused, wrapUp]);

  const back = await ctx.stream.nextDelta((d) => d.extension === wrapUp && d.available, {
    after: wrapping.index + 1,
    timeoutMs: Math.max(0, wrapUpUntil + MAX_LATENCY_MS + 2_000 - Date.now()),
    message: `${wrapUp} available again by itself`,
  });
  ctx.latencies.set(`${ctx.pbx.name} done-when: wrap-up end → ${wrapUp} available delta`, back.receivedAt - wrapUpUntil);
  expect(back.receivedAt).toBeGreaterThanOrEqual(wrapUpUntil);
  expect(back.receivedAt - wrapUpUntil).toBeLessThanOrEqual(MAX_LATENCY_MS);
  expect(await availableExtensions(ctx, "support")).toEqual(expect.arrayContaining([wrapUp]));
  return { wrapUpUntil, backAt: back.receivedAt };
}

/**
 * `core restart now` with members paused (app_queue's persistentmembers): after the resync the
 * service serves the memberships and pauses the PBX shows again, with their reasons, no wrap-up and
 * no call counts of before (app_queue forgets them), DND and presence as the hints say, nothing stale.
 */
export async function pbxRestartKeepsPauses(ctx: AgentLayersContext, extensions: readonly string[]): Promise<void> {
  const before = await ctx.service.amiStatus();
  const pausedBefore = (await Promise.all(extensions.map((ext) => agentOf(ctx, ext)))).flatMap((a) => a.queues.filter((q) => q.paused).map((q) => `${q.interface} ${q.queue} ${q.pausedReason}`));
  expect(pausedBefore.length, "members paused before the restart").toBeGreaterThan(0);
  await ctx.pbx.restart();
  await ctx.service.waitFor(async () => {
    const status = await ctx.service.amiStatus();
    return status.reconnects > before.reconnects && status.connected && status.synced;
  }, 20_000, "reconnected and resynced after the PBX restart");
  await waitForQueueAgreement(ctx, extensions, 5_000);
  const after = await Promise.all(extensions.map((ext) => agentOf(ctx, ext)));
  expect(after.flatMap((a) => a.queues.filter((q) => q.paused).map((q) => `${q.interface} ${q.queue} ${q.pausedReason}`)).sort()).toEqual(pausedBefore.sort());
  for (const agent of after) {
    expect(agent.stale, `${agent.extension} stale`).toBe(false);
    for (const q of agent.queues) expect(q, `${agent.extension} in ${q.queue}: no wrap-up or call of before the restart`).toMatchObject({ inWrapUp: false, wrapUpUntil: null, callsTaken: 0, lastCall: null });
  }
  for (const ext of extensions) {
    const hint = await ctx.pbx.hint(ext);
    const agent = after.find((a) => a.extensions.some((e) => e.extension === ext))!;
    const detail = agent.extensions.find((e) => e.extension === ext)!;
    const presence = detail.presence?.state.toLowerCase() ?? "not_set";
    expect(presence, `${ext} presence as core show hint says`).toBe(hint?.presence ?? "not_set");
    expect(detail.dnd, `${ext} DND as core show hint says`).toBe(hint?.presence === "dnd");
  }
}

// ---- the cases, as vitest tests (call inside a describe; `context` is read when a case runs) ----

export function agentLayerCases(context: () => AgentLayersContext): void {
  test("agent-layer extensions register → AVAILABLE", async () => {
    for (const ext of AGENT_LAYER_EXTENSIONS) await registerBecomesAvailable(context(), ext);
  });

  test("DND on/off (FreePBX style) → reasons [DND], dnd, not available; back", async () => {
    await dndOnAndOff(context(), "1010");
  });

  test("presence away with subtype and message → presence served with since, reasons [AWAY]; back", async () => {
    await presenceAwayAndBack(context(), "1011");
  });

  test("queue add / pause with a reason / unpause / remove → memberships as queue show says; per-queue availability", async () => {
    await queueAddPauseUnpauseRemove(context(), "1012");
  });

  test("a queue call then wrap-up: RINGING, ON_CALL, [WRAP_UP] until LastCall + wrapuptime, back by itself within 1 s", async () => {
    const ctx = context();
    await ctx.pbx.queueAdd("1013", "support");
    await ctx.pbx.queueAdd("1013", "sales");
    await queueCallThenWrapUp(ctx, "1013", "1014", { queue: "support", otherQueue: "sales" });
    await ctx.pbx.queueRemove("1013", "sales");
    await ctx.pbx.queueRemove("1013", "support");
  });

  test("one user with two extensions → one agent (user:<uuid>), RINGING while one extension rings and the other is idle", async () => {
    await oneUserTwoExtensions(context(), "1015", "1016", "1017");
  });

  test("mutations setDnd / setPresence / pauseAgent / unpauseAgent are seen on the PBX and served when it reports them; a refused pause is AMI_REFUSED", async () => {
    await mutationsReachThePbx(context(), "1018", "1011");
  });

  test("done when: DND, paused in support for Lunch, a finished queue call → not available for support, the reasons, pushed within 1 s; wrap-up ends by itself", async () => {
    await doneWhen(context(), { dnd: "1010", paused: "1012", wrapUp: "1013", caller: "1014" });
  });

  test("PBX restart with members paused → pauses served again after the resync, nothing stale", async () => {
    const ctx = context();
    await ctx.pbx.queueAdd("1018", "sales", { paused: true, reason: "Training" });
    await eventually(async () => membership(await agentOf(ctx, "1018"), "sales")?.paused === true, { timeoutMs: MAX_LATENCY_MS, message: "1018 paused in sales" });
    await pbxRestartKeepsPauses(ctx, AGENT_LAYER_EXTENSIONS);
  });
}
