// Tells whether queue events reach us. QueueMember* events need AMI read class `agent`; app_queue's
// pause device (`Queue:<q>_pause_<iface>`, class `call`) comes either way, just before the
// QueueMemberPause it goes with. A pause device with no member event within the grace period means the
// class is missing: from then on the pause devices are delivered (pauses without reasons) and
// amiStatus / readiness say queue data is incomplete. A member event proves the class is there.
import type { Fact } from "../domain/types.ts";

type PauseFact = Extract<Fact, { kind: "queuePause" }>;

export const MISSING_AGENT_CLASS =
  "no QueueMember* events: the AMI user lacks read class 'agent' (manager.conf: read = system,call,agent); pauses are seen without reasons and wrap-up is unknown";

export interface QueueDataStatus {
  available: boolean;
  detail: string | null;
}

export class QueueEventWatch {
  private missing = false;
  private queueStatusError: string | null = null;
  private pending: Array<{ fact: PauseFact; at: number }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deliver: (fact: Fact) => void,
    private readonly onMissing: (detail: string) => void,
    private readonly now: () => number = Date.now,
    private readonly graceMs = 2_000,
  ) {}

  status(): QueueDataStatus {
    if (this.queueStatusError) return { available: false, detail: this.queueStatusError };
    return this.missing ? { available: false, detail: MISSING_AGENT_CLASS } : { available: true, detail: null };
  }

  /** The resync's QueueStatus: null error when it was read. */
  queueStatusResult(error: string | null): void {
    this.queueStatusError = error === null ? null : `QueueStatus failed: ${error}`;
  }

  /** Every live fact goes through here; returns false when it is held back (a pause device). */
  admit(fact: Fact): boolean {
    if (fact.kind === "queueMember" || fact.kind === "queueMemberRemoved") {
      const queue = fact.kind === "queueMember" ? fact.member.queue : fact.queue;
      this.pending = this.pending.filter((p) => !(p.fact.endpoint === fact.endpoint && p.fact.queue === queue));
      this.missing = false;
      return true;
    }
    if (fact.kind !== "queuePause") return true;
    if (this.missing) return true;
    this.pending.push({ fact, at: this.now() });
    this.timer ??= setTimeout(() => this.check(), this.graceMs).unref();
    return false;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  private check(): void {
    this.timer = undefined;
    const overdue = this.pending.filter((p) => this.now() - p.at >= this.graceMs);
    if (overdue.length > 0 && !this.missing) {
      this.missing = true;
      this.onMissing(MISSING_AGENT_CLASS);
    }
    if (this.missing) {
      const held = this.pending;
      this.pending = [];
      for (const { fact } of held) this.deliver(fact);
    } else if (this.pending.length > 0) {
      this.timer = setTimeout(() => this.check(), this.graceMs).unref();
    }
  }
}
