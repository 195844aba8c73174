import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AmiConnectionLostError, AmiResponseError, AmiTimeoutError } from "../../src/ami/ami-errors.ts";
import { toAmiEvent, toAmiResponse, type AmiEvent, type AmiResponse } from "../../src/ami/ami-messages.ts";
import { backoffDelay } from "../../src/ami/backoff.ts";
import { PendingActions } from "../../src/ami/pending-actions.ts";
import { captureFrames, parseFrame } from "../helpers/ami-frames.ts";

function response(fields: Record<string, string>): AmiResponse {
  const parsed = toAmiResponse(fields);
  if (!parsed) throw new Error("not a response");
  return parsed;
}

function event(fields: Record<string, string>): AmiEvent {
  const parsed = toAmiEvent(fields);
  if (!parsed) throw new Error("not an event");
  return parsed;
}

describe("PendingActions", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("resolves a single action on Success and rejects on Error", async () => {
    const pending = new PendingActions();
    const ok = pending.expectResponse("a1", "Ping", 1000);
    const bad = pending.expectResponse("a2", "Originate", 1000);
    expect(pending.handleResponse(response({ response: "Success", actionid: "a1", ping: "Pong" }))).toBe(true);
    expect(pending.handleResponse(response({ response: "Error", actionid: "a2", message: "Permission denied" }))).toBe(true);
    await expect(ok).resolves.toMatchObject({ response: "Success", actionId: "a1" });
    await expect(bad).rejects.toBeInstanceOf(AmiResponseError);
    await expect(bad).rejects.toThrow("AMI Originate failed: Permission denied");
    expect(pending.size).toBe(0);
  });

  it("collects a list from the captured PJSIPShowContacts answer until ContactListComplete", async () => {
    const pending = new PendingActions();
    const list = pending.expectList("cap-2", "PJSIPShowContacts", 1000);
    for (const frame of captureFrames("actions-show")) {
      if (frame.kind !== "message") continue;
      const raw = parseFrame(frame.text) as Record<string, string>;
      if (raw.actionid !== "cap-2") continue;
      if (raw.response) pending.handleResponse(response(raw));
      else expect(pending.handleListEvent(event(raw))).toBe(true);
    }
    const result = await list;
    expect(result.items.map((i) => i.name)).toEqual(["ContactList", "ContactList", "ContactList"]);
    expect(result.reportedCount).toBe(3);
    expect(result.response.message).toBe("A listing of Contacts follows, presented as ContactList events");
  });

  it.each(["No Contacts found", "No endpoints found", "No dialplan hints are available"])("an error %j answers an empty list", async (message) => {
    const pending = new PendingActions();
    const list = pending.expectList("l1", "PJSIPShowContacts", 1000);
    pending.handleResponse(response({ response: "Error", actionid: "l1", message }));
    await expect(list).resolves.toMatchObject({ items: [], reportedCount: null });
  });

  it("any other error to a list action rejects", async () => {
    const pending = new PendingActions();
    const list = pending.expectList("l1", "PJSIPShowContacts", 1000);
    pending.handleResponse(response({ response: "Error", actionid: "l1", message: "Permission denied" }));
    await expect(list).rejects.toThrow("Permission denied");
  });

  it("a Success without EventList: start is not a list", async () => {
    const pending = new PendingActions();
    const list = pending.expectList("l1", "Ping", 1000);
    pending.handleResponse(response({ response: "Success", actionid: "l1", ping: "Pong" }));
    await expect(list).rejects.toThrow("did not answer with a list");
  });

  it("times out a list that never completes, and tells the owner", async () => {
    const forgotten: string[] = [];
    const pending = new PendingActions((id) => forgotten.push(id));
    const list = pending.expectList("l1", "PJSIPShowContacts", 500);
    pending.handleResponse(response({ response: "Success", actionid: "l1", eventlist: "start" }));
    pending.handleListEvent(event({ event: "ContactList", actionid: "l1" }));
    vi.advanceTimersByTime(500);
    await expect(list).rejects.toBeInstanceOf(AmiTimeoutError);
    expect(forgotten).toEqual(["l1"]);
    // A late item is no longer consumed: the client drops it as stray.
    expect(pending.handleListEvent(event({ event: "ContactList", actionid: "l1" }))).toBe(false);
  });

  it("rejectAll rejects every waiting action and clears their timers", async () => {
    const pending = new PendingActions();
    const a = pending.expectResponse("a", "Ping", 1000);
    const b = pending.expectList("b", "DeviceStateList", 1000);
    pending.rejectAll(new AmiConnectionLostError("gone"));
    await expect(a).rejects.toBeInstanceOf(AmiConnectionLostError);
    await expect(b).rejects.toBeInstanceOf(AmiConnectionLostError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not consume events that are not ours or not of a list", () => {
    const pending = new PendingActions();
    void pending.expectResponse("single", "Ping", 1000).catch(() => undefined);
    expect(pending.handleListEvent(event({ event: "ContactStatus" }))).toBe(false);
    expect(pending.handleListEvent(event({ event: "ContactList", actionid: "other" }))).toBe(false);
    expect(pending.handleListEvent(event({ event: "ContactList", actionid: "single" }))).toBe(false);
    pending.rejectAll(new Error("done"));
  });
});

describe("backoffDelay", () => {
  const options = { initialMs: 1_000, maxMs: 30_000 };

  it("retries first within initialMs, then doubles the ceiling up to the cap", () => {
    expect(backoffDelay(0, options, () => 0)).toBe(500);
    expect(backoffDelay(0, options, () => 0.999999)).toBeLessThanOrEqual(1_000);
    expect(backoffDelay(1, options, () => 0)).toBe(1_000);
    expect(backoffDelay(3, options, () => 0.5)).toBe(6_000);
    expect(backoffDelay(50, options, () => 0.999999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(50, options, () => 0)).toBe(15_000);
  });

  it("below the cap, never goes down from one attempt to the next (equal jitter, doubling ceiling)", () => {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      expect(backoffDelay(attempt + 1, options, () => 0)).toBeGreaterThanOrEqual(backoffDelay(attempt, options, () => 0.999999));
    }
  });
});
