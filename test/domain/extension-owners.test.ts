import { describe, expect, it } from "vitest";
import { ExtensionOwners, type Collision } from "../../src/domain/pbx/extension-owners.ts";
import { PbxGate } from "../../src/service/pbx-gate.ts";
import type { AmiListener } from "../../src/domain/ports.ts";
import type { AsteriskSnapshot, Fact } from "../../src/domain/types.ts";

const snapshot = (...extensions: string[]): AsteriskSnapshot => ({
  endpoints: extensions.map((endpoint) => ({ endpoint, aor: endpoint, deviceState: "NOT_INUSE" })),
  contacts: [],
  deviceStates: new Map(extensions.map((e) => [e, "NOT_INUSE"])),
  dnd: new Map(extensions.map((e) => [e, false])),
  presence: null,
  queueMembers: extensions.map((endpoint) => ({ endpoint, member: { queue: "q", name: null, interface: `PJSIP/${endpoint}`, paused: false, pausedReason: null, pausedSince: null, inCall: false, callsTaken: 0, lastCall: null, wrapUpSeconds: null } })),
});

class Recorder implements AmiListener {
  facts: Fact[] = [];
  snapshots: AsteriskSnapshot[] = [];
  onFact(fact: Fact): void {
    this.facts.push(fact);
  }
  onSnapshot(snapshot: AsteriskSnapshot): void {
    this.snapshots.push(snapshot);
  }
  onConnectionChange(): void {}
}

describe("ExtensionOwners", () => {
  it("several instances: an extension the cluster's stream has on another PBX is that PBX's (a collision), without claiming it here", () => {
    const told: Array<[string, Collision]> = [];
    const elsewhere = new Map([["2000", "west"]]);
    const owners = new ExtensionOwners((pbx, collision) => told.push([pbx, collision]), (extension) => elsewhere.get(extension) ?? null);
    expect(owners.claim("east", "2000")).toBe(false);
    expect(owners.mayReport("east", "2000")).toBe(false);
    expect(owners.claim("west", "2000")).toBe(true);
    expect(told).toEqual([["east", { extension: "2000", owner: "west" }]]);
    // West's resync without it: the stream drops it, and east may have it.
    elsewhere.delete("2000");
    expect(owners.claim("east", "2000")).toBe(true);
    expect(owners.collisionsOf("east")).toEqual([]);
  });

  it("the first PBX to report an extension owns it; another reporting it is a collision, told once", () => {
    const told: Array<[string, Collision]> = [];
    const owners = new ExtensionOwners((pbx, collision) => told.push([pbx, collision]));
    expect(owners.claim("east", "1000")).toBe(true);
    expect(owners.claim("east", "1000")).toBe(true);
    expect(owners.claim("west", "1000")).toBe(false);
    expect(owners.claim("west", "1000")).toBe(false);
    expect(told).toEqual([["west", { extension: "1000", owner: "east" }]]);
    expect(owners.collisionsOf("west")).toEqual([{ extension: "1000", owner: "east" }]);
    expect(owners.collisionsOf("east")).toEqual([]);
    expect(owners.mayReport("west", "1000")).toBe(false);
    expect(owners.mayReport("west", "2000")).toBe(true);
  });

  it("a resync without the extension gives it up; the other PBX may then claim it and its collision goes", () => {
    const owners = new ExtensionOwners();
    owners.claim("east", "1000");
    owners.claim("west", "1000");
    owners.keepOnly("east", new Set(["1001"]));
    expect(owners.ownerOf("1000")).toBeNull();
    expect(owners.claim("west", "1000")).toBe(true);
    expect(owners.collisionsOf("west")).toEqual([]);
    expect(owners.ownerOf("1000")).toBe("west");
  });
});

describe("PbxGate", () => {
  it("passes a PBX's own extensions and drops every layer of one another PBX owns, in facts and resyncs", () => {
    const owners = new ExtensionOwners();
    const east = new Recorder();
    const west = new Recorder();
    const eastGate = new PbxGate("east", owners, east);
    const westGate = new PbxGate("west", owners, west);
    eastGate.onSnapshot(snapshot("1000", "1001"));
    expect(east.snapshots[0]).toEqual(snapshot("1000", "1001"));
    westGate.onSnapshot(snapshot("1001", "2000"));
    expect(west.snapshots[0]).toEqual(snapshot("2000"));
    expect(owners.collisionsOf("west")).toEqual([{ extension: "1001", owner: "east" }]);

    westGate.onFact({ kind: "deviceState", endpoint: "1001", state: "INUSE", source: "device" });
    westGate.onFact({ kind: "dnd", endpoint: "1001", on: true });
    westGate.onFact({ kind: "dnd", endpoint: "2000", on: true });
    // A layer of an extension nobody reports yet passes, and claims nothing.
    westGate.onFact({ kind: "presence", endpoint: "3000", presence: { state: "away", subtype: null, message: null } });
    expect(west.facts.map((f) => [f.kind, f.endpoint])).toEqual([
      ["dnd", "2000"],
      ["presence", "3000"],
    ]);
    expect(owners.ownerOf("3000")).toBeNull();
    eastGate.onFact({ kind: "presence", endpoint: "3000", presence: { state: "away", subtype: null, message: null } });
    eastGate.onFact({ kind: "deviceState", endpoint: "3000", state: "NOT_INUSE", source: "device" });
    expect(owners.ownerOf("3000")).toBe("east");
  });
});
