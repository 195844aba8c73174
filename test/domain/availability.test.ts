import { describe, expect, it } from "vitest";
import { deriveAvailability, DEVICE_STATE_WORDS } from "../../src/domain/availability.ts";
import type { ContactStatus, DeviceState } from "../../src/domain/types.ts";

const contact = (status: ContactStatus, qualifyFrequency: number | null = 5) => ({ status, qualifyFrequency });

describe("availability table (DESIGN.md), row by row", () => {
  it.each<[string, Array<ReturnType<typeof contact>>, DeviceState | null, string, boolean, boolean]>([
    ["no contact", [], null, "OFFLINE", false, false],
    ["no contact, device says idle", [], "NOT_INUSE", "OFFLINE", false, false],
    ["contacts, none reachable", [contact("Unreachable")], "NOT_INUSE", "UNREACHABLE", false, false],
    ["two contacts, both unreachable", [contact("Unreachable"), contact("Unreachable")], null, "UNREACHABLE", false, false],
    ["reachable + NOT_INUSE", [contact("Reachable")], "NOT_INUSE", "AVAILABLE", true, true],
    ["reachable + UNKNOWN", [contact("Reachable")], "UNKNOWN", "AVAILABLE", true, true],
    ["reachable, no device state yet", [contact("Reachable")], null, "AVAILABLE", true, true],
    ["NonQualified with qualify off", [contact("NonQualified", 0)], "NOT_INUSE", "AVAILABLE", true, true],
    ["NonQualified, qualify unknown (live event)", [contact("NonQualified", null)], null, "AVAILABLE", true, true],
    ["NonQualified with qualify on (not yet qualified)", [contact("NonQualified", 5)], "UNAVAILABLE", "UNREACHABLE", false, false],
    ["RINGING", [contact("Reachable")], "RINGING", "RINGING", true, false],
    ["RINGINUSE", [contact("Reachable")], "RINGINUSE", "RINGING", true, false],
    ["INUSE", [contact("Reachable")], "INUSE", "ON_CALL", true, false],
    ["BUSY", [contact("Reachable")], "BUSY", "BUSY", true, false],
    ["ONHOLD", [contact("Reachable")], "ONHOLD", "ON_HOLD", true, false],
    ["one of two devices reachable", [contact("Unreachable"), contact("Reachable")], "NOT_INUSE", "AVAILABLE", true, true],
    ["reachable contact, transient UNAVAILABLE (contact replaced)", [contact("Reachable")], "UNAVAILABLE", "AVAILABLE", true, true],
  ])("%s", (_name, contacts, device, status, online, available) => {
    expect(deriveAvailability(contacts, device)).toEqual({ status, online, available });
  });

  it("the field example: CLI 'Not in use' + contact Avail is AVAILABLE", () => {
    expect(deriveAvailability([contact("Reachable")], DEVICE_STATE_WORDS["Not in use"]!)).toMatchObject({ status: "AVAILABLE", online: true, available: true });
  });

  it("stale data keeps the status but is never available for a transfer", () => {
    expect(deriveAvailability([contact("Reachable")], "NOT_INUSE", true)).toEqual({ status: "AVAILABLE", online: true, available: false });
  });

  it("Unreachable is never counted as reachable (the substring bug)", () => {
    expect(deriveAvailability([contact("Unreachable", 0)], "NOT_INUSE").online).toBe(false);
  });
});
