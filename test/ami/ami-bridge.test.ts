// The real bridge against the fake AMI server replaying captured bytes at odd chunk boundaries,
// feeding the real AvailabilityTracker.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AmiNotConnectedError } from "../../src/ami/ami-errors.ts";
import { AmiBridge, type AmiBridgeOptions } from "../../src/ami/ami-bridge.ts";
import type { AmiListener } from "../../src/domain/ports.ts";
import { AvailabilityTracker } from "../../src/domain/tracker.ts";
import type { AgentStatus, AsteriskSnapshot, Fact } from "../../src/domain/types.ts";
import { eventName, liveEventBytes } from "../helpers/ami-frames.ts";
import { AmiPeer, labEndpoints, ODD_CHUNKS, type PeerContact } from "../helpers/ami-peer.ts";
import { MemoryLog } from "../helpers/memory-log.ts";
import { sleep, waitFor } from "../helpers/wait-for.ts";

const SECRET = "bridge-test-secret";

type Call =
  | { kind: "fact"; fact: Fact }
  | { kind: "snapshot"; snapshot: AsteriskSnapshot }
  | { kind: "connection"; connected: boolean; reason: string | undefined };

/** Applies everything to a real tracker and records each extension's status as it changes. */
class TrackerListener implements AmiListener {
  readonly tracker = new AvailabilityTracker();
  readonly calls: Call[] = [];
  private readonly history = new Map<string, AgentStatus[]>();

  onFact(fact: Fact): void {
    this.calls.push({ kind: "fact", fact });
    this.tracker.apply(fact);
    this.record();
  }

  onSnapshot(snapshot: AsteriskSnapshot): void {
    this.calls.push({ kind: "snapshot", snapshot });
    this.tracker.reconcile(snapshot);
    this.tracker.setStale(false);
    this.record();
  }

  onConnectionChange(connected: boolean, reason?: string): void {
    this.calls.push({ kind: "connection", connected, reason });
    if (!connected) this.tracker.setStale(true);
  }

  status(extension: string): AgentStatus | null {
    return this.tracker.get(extension)?.status ?? null;
  }

  /** Distinct successive statuses of an extension since it first appeared. */
  statuses(extension: string): AgentStatus[] {
    return this.history.get(extension) ?? [];
  }

  get snapshots(): AsteriskSnapshot[] {
    return this.calls.flatMap((c) => (c.kind === "snapshot" ? [c.snapshot] : []));
  }

  get connections(): Array<[boolean, string | undefined]> {
    return this.calls.flatMap((c): Array<[boolean, string | undefined]> => (c.kind === "connection" ? [[c.connected, c.reason]] : []));
  }

  private record(): void {
    for (const state of this.tracker.list()) {
      const list = this.history.get(state.extension) ?? [];
      if (list.at(-1) !== state.status) list.push(state.status);
      this.history.set(state.extension, list);
    }
  }
}

interface Harness {
  bridge: AmiBridge;
  listener: TrackerListener;
  log: MemoryLog;
}

let peer: AmiPeer;
const bridges: AmiBridge[] = [];
const logs: MemoryLog[] = [];
const consoleSpies: Array<ReturnType<typeof vi.spyOn>> = [];

beforeEach(async () => {
  peer = await AmiPeer.start({ secret: SECRET, loginFailureDelayMs: 20, chunkSizes: ODD_CHUNKS });
  for (const method of ["log", "info", "warn", "error", "debug"] as const) consoleSpies.push(vi.spyOn(console, method));
});

afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.stop()));
  await peer.close();
  for (const log of logs.splice(0)) expect(log.text()).not.toContain(SECRET);
  for (const spy of consoleSpies.splice(0)) {
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  }
});

function startBridge(overrides: Partial<AmiBridgeOptions> = {}): Harness {
  const listener = new TrackerListener();
  const log = new MemoryLog();
  const bridge = new AmiBridge({
    host: peer.host,
    port: peer.port,
    username: "crm",
    secret: SECRET,
    listener,
    log,
    actionTimeoutMs: 1_000,
    connectTimeoutMs: 1_000,
    pingIntervalMs: 5_000,
    pingTimeoutMs: 1_000,
    reconnectInitialMs: 40,
    reconnectMaxMs: 200,
    resyncRetryMs: 100,
    ...overrides,
  });
  bridges.push(bridge);
  logs.push(log);
  bridge.start();
  return { bridge, listener, log };
}

function registered(...extensions: string[]): PeerContact[] {
  return extensions.map((ext) => ({ aor: ext, uri: `sip:${ext}@127.0.0.1:${15000 + Number(ext) - 1000}` }));
}

async function synced(h: Harness, snapshots = 1): Promise<void> {
  await waitFor(() => h.listener.snapshots.length >= snapshots && !h.bridge.stats().resyncing, { message: `snapshot #${snapshots}` });
}

describe("AmiBridge: captured scenarios end to end", () => {
  it("register-reachable: 1000 and 1001 go from OFFLINE to AVAILABLE", async () => {
    peer.state.endpoints = labEndpoints(1000, 1001);
    const h = startBridge();
    await synced(h);
    expect(h.listener.connections).toEqual([[true, undefined]]);
    expect(h.listener.status("1000")).toBe("OFFLINE");

    await peer.replay(liveEventBytes("register-reachable"));
    await waitFor(() => h.listener.status("1001") === "AVAILABLE");
    expect(h.listener.status("1000")).toBe("AVAILABLE");
    expect(h.listener.statuses("1000")).toEqual(["OFFLINE", "AVAILABLE"]);
    expect(h.listener.tracker.get("1000")).toMatchObject({
      online: true,
      available: true,
      stale: false,
      deviceState: "NOT_INUSE",
      contacts: [{ id: "1000;@e8fa77a71c4017dddb7584685f802864", status: "Reachable", roundtripUsec: 510 }],
    });
    // 10 replayed events + the FullyBooted that followed the login (the last may still be in the reader's slice).
    await waitFor(() => h.bridge.stats().eventsProcessed === 11, { message: "every replayed event handled" });
    expect(h.bridge.stats()).toMatchObject({ connected: true, synced: true, eventsProcessed: 11, eventsIgnored: 0, malformed: 0 });
  });

  it("call-inuse: callee AVAILABLE → RINGING → ON_CALL → AVAILABLE, caller → ON_CALL → AVAILABLE", async () => {
    peer.state = { endpoints: labEndpoints(1000, 1001), contacts: registered("1000", "1001") };
    const h = startBridge();
    await synced(h);
    expect([h.listener.status("1000"), h.listener.status("1001")]).toEqual(["AVAILABLE", "AVAILABLE"]);

    await peer.replay(liveEventBytes("call-inuse"));
    await waitFor(() => h.listener.statuses("1001").length === 4, { message: "callee history" });
    expect(h.listener.statuses("1001")).toEqual(["AVAILABLE", "RINGING", "ON_CALL", "AVAILABLE"]);
    expect(h.listener.statuses("1000")).toEqual(["AVAILABLE", "ON_CALL", "AVAILABLE"]);
    // Channel and bridge events are counted as ignored, not lost silently.
    expect(h.bridge.stats().eventsIgnored).toBeGreaterThan(10);
  });

  it("qualify-timeout: UNREACHABLE when the phone stops answering, AVAILABLE again after it re-registers", async () => {
    peer.state.endpoints = labEndpoints(1002, 1002);
    const h = startBridge();
    await synced(h);
    await peer.replay(liveEventBytes("qualify-timeout"));
    await waitFor(() => h.listener.statuses("1002").length === 4, { message: "1002 history" });
    expect(h.listener.statuses("1002")).toEqual(["OFFLINE", "AVAILABLE", "UNREACHABLE", "AVAILABLE"]);
  });

  it("unregister: OFFLINE once the contact is Removed", async () => {
    peer.state.endpoints = labEndpoints(1000, 1000);
    const h = startBridge();
    await synced(h);
    await peer.replay(liveEventBytes("unregister"));
    await waitFor(() => h.listener.statuses("1000").length === 3);
    expect(h.listener.statuses("1000")).toEqual(["OFFLINE", "AVAILABLE", "OFFLINE"]);
    expect(h.listener.tracker.get("1000")?.contacts).toEqual([]);
  });

  it("multi-device: UNREACHABLE when only the Unreachable second device is left", async () => {
    peer.state.endpoints = labEndpoints(1000, 1000);
    const h = startBridge();
    await synced(h);
    await peer.replay(liveEventBytes("multi-device"));
    await waitFor(() => h.listener.statuses("1000").length === 3);
    expect(h.listener.statuses("1000")).toEqual(["OFFLINE", "AVAILABLE", "UNREACHABLE"]);
    expect(h.listener.tracker.get("1000")?.contacts.map((c) => [c.uri, c.status])).toEqual([["sip:1000@127.0.0.1:17000", "Unreachable"]]);
  });

  it("restart: Shutdown → disconnected, reconnect + resync; contacts Asterisk no longer lists are removed", async () => {
    peer.state = { endpoints: labEndpoints(1000, 1002), contacts: registered("1000", "1001", "1002") };
    const h = startBridge();
    await synced(h);
    expect(["1000", "1001", "1002"].map((e) => h.listener.status(e))).toEqual(["AVAILABLE", "AVAILABLE", "AVAILABLE"]);

    // Asterisk restarts; 1002's contact does not survive it; the old process closes early connections.
    peer.state.contacts = registered("1000", "1001").map((c) => ({ ...c, status: "NonQualified" as const, roundtripUsec: "N/A" as const }));
    peer.refuseConnections = true;
    await peer.replay(liveEventBytes("restart", { keep: (f) => eventName(f) === "Shutdown" }));
    await waitFor(() => h.listener.connections.length === 2, { message: "disconnect" });
    expect(h.listener.connections[1]).toEqual([false, "asterisk shutdown"]);
    expect(h.listener.tracker.get("1000")).toMatchObject({ stale: true, available: false });
    await peer.endConnections();
    await sleep(100);
    peer.refuseConnections = false;
    peer.uptime = 1;

    await synced(h, 2);
    expect(h.listener.connections.at(-1)).toEqual([true, undefined]);
    expect(h.listener.status("1002")).toBe("OFFLINE");
    expect(h.listener.tracker.get("1002")?.contacts).toEqual([]);
    expect(h.listener.tracker.get("1000")).toMatchObject({ stale: false });
    expect(h.bridge.stats().reconnects).toBe(1);

    // The new process qualifies the contacts a moment later: the capture's events after the restart.
    await peer.replay(liveEventBytes("restart", { keep: (f) => eventName(f) !== "Shutdown" && eventName(f) !== "FullyBooted" }));
    await waitFor(() => h.listener.tracker.get("1000")?.contacts[0]?.status === "Reachable");
    expect(h.listener.status("1000")).toBe("AVAILABLE");
  });
});

describe("AmiBridge: resync", () => {
  it("resyncs after every login and every FullyBooted and Reload; refresh() returns the snapshot", async () => {
    peer.state = { endpoints: labEndpoints(1000, 1001), contacts: registered("1000") };
    const h = startBridge();
    await synced(h);
    expect(peer.received("PJSIPShowEndpoints")).toHaveLength(1);
    expect(peer.received("PJSIPShowContacts")).toHaveLength(1);
    expect(peer.received("DeviceStateList")).toHaveLength(1);

    await peer.sendEvent("FullyBooted", { Privilege: "system,all", Uptime: 0, LastReload: 0, Status: "Fully Booted" });
    await synced(h, 2);
    await peer.replay(liveEventBytes("reload", { keep: (f) => eventName(f) === "Reload" }));
    await synced(h, 4);

    const snapshot = await h.bridge.refresh();
    expect(h.listener.snapshots.at(-1)).toBe(snapshot);
    expect(snapshot.endpoints.map((e) => [e.endpoint, e.deviceState])).toEqual([
      ["1000", "NOT_INUSE"],
      ["1001", "UNAVAILABLE"],
    ]);
    expect(snapshot.contacts.map((c) => c.contact.id)).toEqual(["1000;@e8fa77a71c4017dddb7584685f802864"]);
    expect([...snapshot.deviceStates]).toEqual([
      ["1000", "NOT_INUSE"],
      ["1001", "UNAVAILABLE"],
    ]);
    expect(h.bridge.stats()).toMatchObject({ resyncs: 5, resyncFailures: 0, lastResyncAt: expect.any(Number) });
  });

  it("buffers live events during a resync and delivers them after the snapshot", async () => {
    peer.state = { endpoints: labEndpoints(1000, 1000), contacts: registered("1000") };
    const h = startBridge();
    await synced(h);
    peer.listDelayMs = 100;
    const refreshed = h.bridge.refresh();
    await waitFor(() => peer.received("PJSIPShowContacts").length === 2);
    // While the lists are held back, 1000 goes on a call and the snapshot (taken before) says NOT_INUSE.
    peer.state.endpoints = [{ name: "1000", deviceState: "NOT_INUSE" }];
    await peer.sendEvent("DeviceStateChange", { Privilege: "call,all", Device: "PJSIP/1000", State: "INUSE" });
    await sleep(20);
    expect(h.listener.calls.filter((c) => c.kind === "fact")).toEqual([]);
    await refreshed;
    const order = h.listener.calls.map((c) => c.kind);
    expect(order.slice(-2)).toEqual(["snapshot", "fact"]);
    expect(h.listener.status("1000")).toBe("ON_CALL");
  });

  it("an empty PBX (`No endpoints found`, `No Contacts found`) is an empty snapshot, not a failure", async () => {
    const h = startBridge();
    await synced(h);
    expect(h.listener.snapshots[0]).toMatchObject({ endpoints: [], contacts: [], deviceStates: new Map() });
    expect(h.bridge.stats()).toMatchObject({ resyncFailures: 0, synced: true });
  });

  it("a resync that times out is logged and retried until it succeeds", async () => {
    peer.state = { endpoints: labEndpoints(1000, 1000), contacts: registered("1000") };
    peer.muteActions("PJSIPShowContacts");
    const h = startBridge({ resyncTimeoutMs: 100, resyncRetryMs: 50 });
    await waitFor(() => h.bridge.stats().resyncFailures >= 2, { message: "failed resyncs" });
    expect(h.listener.snapshots).toEqual([]);
    expect(h.bridge.stats()).toMatchObject({ connected: true, synced: false, lastError: expect.stringContaining("PJSIPShowContacts") });
    expect(h.log.at("warn").some((e) => e.msg === "AMI resync failed; retrying")).toBe(true);
    peer.unmuteActions("PJSIPShowContacts");
    await synced(h);
    expect(h.listener.status("1000")).toBe("AVAILABLE");
    expect(h.bridge.stats().lastError).toBeNull();
  });

  it("refresh() rejects at once while not connected", async () => {
    const listener = new TrackerListener();
    const idle = new AmiBridge({ host: peer.host, port: peer.port, username: "crm", secret: SECRET, listener, log: new MemoryLog() });
    const started = Date.now();
    await expect(idle.refresh()).rejects.toBeInstanceOf(AmiNotConnectedError);
    expect(Date.now() - started).toBeLessThan(50);
  });
});

describe("AmiBridge: connection trouble", () => {
  it("wrong secret: clear error log naming host and user, never the secret; backoff; success once accepted", async () => {
    peer.secret = "what-asterisk-expects";
    const h = startBridge();
    await waitFor(() => peer.loginAttempts >= 3, { message: "login attempts" });
    const [first] = h.log.at("error");
    expect(first?.msg).toContain(`AMI login failed: Authentication failed (user "crm" at 127.0.0.1:${peer.port}); retrying in`);
    expect(first?.obj).toMatchObject({ host: "127.0.0.1", username: "crm" });
    expect(h.listener.connections.every(([connected, reason]) => !connected && reason === "login failed: Authentication failed")).toBe(true);
    expect(h.listener.connections.length).toBeGreaterThanOrEqual(2);
    expect(h.bridge.stats()).toMatchObject({ connected: false, lastError: "login failed: Authentication failed" });

    peer.secret = SECRET;
    await synced(h);
    expect(h.listener.connections.at(-1)).toEqual([true, undefined]);
  });

  it("dead peer: a frozen Asterisk is detected by the Ping heartbeat and the bridge reconnects", async () => {
    peer.state = { endpoints: labEndpoints(1000, 1000), contacts: registered("1000") };
    const h = startBridge({ pingIntervalMs: 100, pingTimeoutMs: 150 });
    await synced(h);
    const frozenAt = Date.now();
    peer.freeze();
    await waitFor(() => h.listener.connections.length === 2, { message: "loss" });
    expect(h.listener.connections[1]).toEqual([false, "no answer to Ping within 150 ms"]);
    expect(Date.now() - frozenAt).toBeLessThan(100 + 150 + 250);
    expect(h.listener.tracker.get("1000")?.stale).toBe(true);
    await synced(h, 2);
    expect(h.listener.tracker.get("1000")).toMatchObject({ stale: false, available: true });
  });

  it("Asterisk down at start: one disconnected report, then connects when it comes up", async () => {
    peer.refuseConnections = true;
    const h = startBridge();
    await waitFor(() => peer.connectionsAccepted >= 3);
    expect(h.listener.connections).toEqual([[false, "connection closed by Asterisk"]]);
    peer.refuseConnections = false;
    await synced(h);
    expect(h.listener.connections.at(-1)).toEqual([true, undefined]);
  });

  it("malformed and unknown events are counted and skipped; a throwing listener does not break the session", async () => {
    peer.state = { endpoints: labEndpoints(1000, 1000), contacts: registered("1000") };
    const h = startBridge();
    await synced(h);
    await peer.sendEvent("ContactStatus", { Privilege: "system,all", URI: "sip:1000@127.0.0.1:15000", ContactStatus: "Sleeping", AOR: "1000", EndpointName: "1000" });
    await peer.sendEvent("MysteryEvent", { Privilege: "system,all", Secret: "not-for-logs" });
    await waitFor(() => h.bridge.stats().malformed === 1 && h.bridge.stats().eventsIgnored === 1);
    expect(h.log.at("warn").map((e) => e.obj)).toContainEqual({ source: "ContactStatus", reason: 'ContactStatus: unknown status "Sleeping"', suppressed: 0 });
    expect(h.log.text()).not.toContain("not-for-logs");

    h.listener.onFact = () => {
      throw new Error("listener bug");
    };
    await peer.sendEvent("DeviceStateChange", { Privilege: "call,all", Device: "PJSIP/1000", State: "INUSE" });
    await waitFor(() => h.log.at("error").some((e) => e.msg === "AMI listener threw"));
    await expect(h.bridge.refresh()).resolves.toBeDefined();
  });

  it("stop(): clean close, no reconnect, no timers, no more listener calls", async () => {
    peer.state = { endpoints: labEndpoints(1000, 1000), contacts: registered("1000") };
    const h = startBridge({ pingIntervalMs: 50, pingTimeoutMs: 50 });
    await synced(h);
    await h.bridge.stop();
    const calls = h.listener.calls.length;
    expect(peer.received("Logoff")).toHaveLength(1);
    await waitFor(() => peer.openConnections === 0);
    await sleep(200);
    expect(peer.connectionsAccepted).toBe(1);
    expect(h.listener.calls.length).toBe(calls);
    expect(h.bridge.stats()).toMatchObject({ connected: false, synced: false });
    await expect(h.bridge.refresh()).rejects.toBeInstanceOf(AmiNotConnectedError);
  });
});
