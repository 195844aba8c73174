// What a scenario needs from a PBX: drive phones and read what the PBX itself reports.
// Implemented by the real Asterisk lab (asterisk-driver.ts) and the AMI simulator (simulator-driver.ts),
// so the same scenarios prove the simulator behaves like the real thing.

export type PbxContactStatus = "Reachable" | "Unreachable" | "NonQualified";

export interface PbxContact {
  extension: string;
  status: PbxContactStatus;
  /** The contact's SIP URI when the PBX shows it (used to compare contacts one by one). */
  uri?: string;
}

export interface PbxEndpoint {
  extension: string;
  /** As `pjsip show endpoints` spells it: `Not in use`, `In use`, `Ringing`, `Unavailable`, ... */
  deviceState: string;
}

export interface AmiSettings {
  host: string;
  port: number;
  username: string;
  secret: string;
}

/** Asterisk's presence states as the CLI and AMI spell them (lower case). */
export type PbxPresenceState = "not_set" | "unavailable" | "available" | "away" | "xa" | "chat" | "dnd";

/** One member of a queue, as `queue show <queue>` lists it. */
export interface PbxQueueMember {
  /** The member's name ("Lab 1010"). */
  name: string;
  /** e.g. PJSIP/1010 */
  interface: string;
  /** The extension the interface names (PJSIP/1010 → 1010), null for other interfaces. */
  extension: string | null;
  paused: boolean;
  /** Shown by the CLI only while paused with a reason. */
  pausedReason: string | null;
  /** `has taken N calls` (0 for "no calls yet"). */
  callsTaken: number;
  /** The member's device state as the CLI words it: `Not in use`, `In use`, `Ringing`, `Unavailable`, ... */
  deviceState: string;
  /** `(in call)` shown. */
  inCall: boolean;
}

/** `core show hint <ext>`: the hint's aggregate state and its presence. */
export interface PbxHint {
  extension: string;
  /** The hint's devices as the CLI prints them (may be truncated by the CLI's column width). */
  devices: string;
  /** Extension state as the CLI words it: `Idle`, `InUse`, `Busy`, `Unavailable`, `Ringing`, `InUse&Ringing`, `Hold`, ... */
  state: string;
  /** Presence state (lower case), null when the hint has no presence provider. */
  presence: PbxPresenceState | null;
}

/**
 * The agent layers (issue 7): DND, presence and app_queue, driven through the PBX and read back from
 * its own CLI. Optional: a driver that cannot do them leaves the agent-layer scenarios skipped.
 */
export interface PbxAgentLayers {
  /** FreePBX-style DND (toggle device + presence). Resolves when the PBX shows it on the hint. */
  dnd(ext: string, on: boolean): Promise<void>;
  /** Resolves when the PBX shows the presence on the hint. */
  presence(ext: string, state: PbxPresenceState, subtype?: string, message?: string): Promise<void>;
  /** Dynamic member PJSIP/<ext>, optionally added paused (with a reason). */
  queueAdd(ext: string, queue: string, options?: { paused?: boolean; reason?: string }): Promise<void>;
  queueRemove(ext: string, queue: string): Promise<void>;
  /** `queue`: one queue, or "all" the member's queues. */
  queuePause(ext: string, queue: string, reason?: string): Promise<void>;
  queueUnpause(ext: string, queue: string): Promise<void>;
  /** `caller` calls the queue; a member answers; the caller hangs up `talkSeconds` later. Resolves after the hang-up. */
  queueCall(caller: string, queue: string, talkSeconds: number): Promise<void>;
  /** Like `queue show <queue>`. */
  queueMembers(queue: string): Promise<PbxQueueMember[]>;
  /** Like `core show hint <ext>`; null when the extension has no hint. */
  hint(ext: string): Promise<PbxHint | null>;
}

export interface PbxDriver extends Partial<PbxAgentLayers> {
  readonly name: "asterisk" | "simulator";
  ami(): AmiSettings;
  /** Resolves when the PBX reports the contact Reachable. */
  register(ext: string): Promise<void>;
  unregister(ext: string): Promise<void>;
  /** The phone goes silent; the PBX reports Unreachable later. */
  goUnreachable(ext: string): Promise<void>;
  /** Resolves after hang-up. */
  call(from: string, to: string, talkSeconds: number): Promise<void>;
  /** `core restart now`; resolves when the PBX answers again. */
  restart(): Promise<void>;
  /** Like `pjsip show contacts`. */
  contacts(): Promise<PbxContact[]>;
  /** Like `pjsip show endpoints`. */
  endpoints(): Promise<PbxEndpoint[]>;
  close(): Promise<void>;
  /**
   * Optional: when the PBX itself says it reported `what` for `ext` (at or after `afterMs`), more
   * precise than polling contacts(). Null when it cannot tell.
   */
  reportedAt?(ext: string, what: "Unreachable" | "gone", afterMs: number): Promise<number | null>;
}
