// Builders for domain states used by the store tests.
import type { AgentState, Contact, QueueMember } from "../../src/domain/types.ts";
import type { CrmFields, StoredAgent } from "../../src/domain/ports.ts";

export function contact(extension: string, n: number, overrides: Partial<Contact> = {}): Contact {
  return {
    id: `${extension};@${n.toString(16).padStart(32, "0")}`,
    uri: `sip:${extension}@10.0.0.${n}:5060`,
    aor: extension,
    status: "Reachable",
    roundtripUsec: 1500 + n,
    userAgent: "SIPp",
    expirationTime: 1_800_000_000 + n,
    viaAddr: `10.0.0.${n}`,
    viaPort: 5060,
    regServer: "pbx-1",
    callId: `call-${extension}-${n}`,
    qualifyFrequency: 5,
    qualifyTimeout: 3.5,
    ...overrides,
  };
}

export function agent(extension: string, contacts: Contact[], overrides: Partial<AgentState> = {}): AgentState {
  return {
    extension,
    pbx: "default",
    status: contacts.length ? "AVAILABLE" : "OFFLINE",
    online: contacts.length > 0,
    available: contacts.length > 0,
    stale: false,
    reasons: contacts.length ? [] : ["OFFLINE"],
    dnd: false,
    presence: null,
    queues: [],
    deviceState: contacts.length ? "NOT_INUSE" : null,
    contacts,
    lastSeen: contacts.length ? 1_732_400_000_123 : null,
    updatedAt: 1_732_400_000_456,
    ...overrides,
  };
}

export function member(queue: string, overrides: Partial<QueueMember> = {}): QueueMember {
  return { queue, name: null, interface: "PJSIP/1000", paused: false, pausedReason: null, pausedSince: null, inCall: false, callsTaken: 0, lastCall: null, wrapUpSeconds: null, ...overrides };
}

/** What StatusStore.loadCrmFields answers for these stored agents (for stores faked over loadAll). */
export function crmFieldsOf(agents: readonly StoredAgent[]): Map<string, CrmFields> {
  return new Map(agents.map((a) => [a.extension, { name: a.name, userId: a.userId }]));
}
