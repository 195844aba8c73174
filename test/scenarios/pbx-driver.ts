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

export interface PbxDriver {
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
