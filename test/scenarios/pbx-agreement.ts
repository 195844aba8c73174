// "The status we show equals what Asterisk says": the expected agent view derived from the PBX's
// own tables (pjsip show contacts / endpoints) by the availability rule of DESIGN.md, and the
// differences between that and what the service serves.
import type { AgentStatus, AgentView } from "./agent-api.ts";
import type { PbxContact, PbxDriver, PbxEndpoint } from "./pbx-driver.ts";
import type { ServiceProcess } from "./service-process.ts";

export interface ExpectedAgent {
  extension: string;
  status: AgentStatus;
  online: boolean;
  deviceState: string;
  contacts: Array<{ uri?: string; status: string }>;
}

// These tables repeat src/domain/availability.ts on purpose: the expectation is an oracle written from
// DESIGN.md, so a mistake in the service's own table cannot hide by being reused here.

/** `pjsip show endpoints` words → DeviceStateChange names (what the API serves). */
const DEVICE_STATE_NAMES: Readonly<Record<string, string>> = {
  "Unknown": "UNKNOWN",
  "Not in use": "NOT_INUSE",
  "In use": "INUSE",
  "Busy": "BUSY",
  "Invalid": "INVALID",
  "Unavailable": "UNAVAILABLE",
  "Ringing": "RINGING",
  "Ring+Inuse": "RINGINUSE",
  "On Hold": "ONHOLD",
};

const STATUS_BY_DEVICE_STATE: Readonly<Record<string, AgentStatus>> = {
  UNKNOWN: "AVAILABLE",
  NOT_INUSE: "AVAILABLE",
  // A reachable contact with an UNAVAILABLE device is Asterisk's 1-2 ms flap: contacts decide.
  UNAVAILABLE: "AVAILABLE",
  INVALID: "AVAILABLE",
  RINGING: "RINGING",
  RINGINUSE: "RINGING",
  INUSE: "ON_CALL",
  BUSY: "BUSY",
  ONHOLD: "ON_HOLD",
};

export function deviceStateName(word: string): string {
  return DEVICE_STATE_NAMES[word] ?? word.toUpperCase().replaceAll(" ", "_");
}

export function expectedAgents(contacts: readonly PbxContact[], endpoints: readonly PbxEndpoint[]): Map<string, ExpectedAgent> {
  const expected = new Map<string, ExpectedAgent>();
  for (const endpoint of endpoints) {
    const own = contacts.filter((c) => c.extension === endpoint.extension);
    const deviceState = deviceStateName(endpoint.deviceState);
    // The lab qualifies every contact, so NonQualified (e.g. right after a restart) is not reachable yet.
    const reachable = own.some((c) => c.status === "Reachable");
    const status: AgentStatus = own.length === 0 ? "OFFLINE" : !reachable ? "UNREACHABLE" : (STATUS_BY_DEVICE_STATE[deviceState] ?? "AVAILABLE");
    expected.set(endpoint.extension, {
      extension: endpoint.extension,
      status,
      online: !["OFFLINE", "UNREACHABLE"].includes(status),
      deviceState,
      contacts: own.map((c) => ({ uri: c.uri, status: c.status })),
    });
  }
  return expected;
}

/** Every difference between the served agents and the PBX; `fresh`: also require stale false. */
export function differences(served: readonly AgentView[], expected: ReadonlyMap<string, ExpectedAgent>, options: { fresh: boolean }): string[] {
  const problems: string[] = [];
  const byExtension = new Map(served.map((a) => [a.extension, a]));
  for (const [extension, want] of expected) {
    const got = byExtension.get(extension);
    if (!got) {
      problems.push(`${extension}: missing from the service (PBX: ${want.status})`);
      continue;
    }
    if (got.status !== want.status) problems.push(`${extension}: status ${got.status}, PBX says ${want.status}`);
    if (got.online !== want.online) problems.push(`${extension}: online ${got.online}, PBX says ${want.online}`);
    const available = want.status === "AVAILABLE" && !got.stale;
    if (got.available !== available) problems.push(`${extension}: available ${got.available}, expected ${available}`);
    if (options.fresh && got.stale) problems.push(`${extension}: still stale`);
    // With no contact the endpoint is Unavailable by definition; the served device state may lag on that.
    if (want.contacts.length > 0 && got.deviceState !== want.deviceState) problems.push(`${extension}: device state ${got.deviceState}, PBX says ${want.deviceState}`);
    const gotContacts = got.contacts.map((c) => `${c.uri} ${c.status}`).sort();
    const wantContacts = want.contacts.map((c) => `${c.uri ?? "?"} ${c.status}`).sort();
    const comparable = want.contacts.every((c) => c.uri !== undefined);
    if (comparable ? gotContacts.join() !== wantContacts.join() : got.contacts.length !== want.contacts.length) {
      problems.push(`${extension}: contacts [${gotContacts.join(", ")}], PBX has [${wantContacts.join(", ")}]`);
    }
  }
  for (const agent of served) if (!expected.has(agent.extension)) problems.push(`${agent.extension}: served but not on the PBX`);
  return problems;
}

export interface Agreement {
  expected: Map<string, ExpectedAgent>;
  served: AgentView[];
}

/**
 * Waits until the service equals the PBX. The PBX is read before and after the service and must not
 * have changed in between, so a match is never a lucky interleaving of two moving pictures.
 */
export async function waitForAgreement(service: ServiceProcess, pbx: PbxDriver, options: { timeoutMs: number; fresh?: boolean }): Promise<Agreement> {
  const deadline = Date.now() + options.timeoutMs;
  let last: string[] = [];
  for (;;) {
    try {
      const before = await readPbx(pbx);
      const served = await service.agents();
      const after = await readPbx(pbx);
      if (JSON.stringify([...before]) === JSON.stringify([...after])) {
        last = differences(served, after, { fresh: options.fresh ?? true });
        if (last.length === 0) return { expected: after, served };
      } else {
        last = ["the PBX changed while reading"];
      }
    } catch (error) {
      last = [`read failed: ${(error as Error).message}`];
    }
    if (Date.now() > deadline) throw new Error(`service and ${pbx.name} still differ after ${options.timeoutMs} ms:\n  ${last.join("\n  ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function readPbx(pbx: PbxDriver): Promise<Map<string, ExpectedAgent>> {
  const [contacts, endpoints] = await Promise.all([pbx.contacts(), pbx.endpoints()]);
  return expectedAgents(contacts, endpoints);
}
