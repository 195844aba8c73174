// Where a client is in the agentStatus stream: what to do with each event. A snapshot replaces the
// whole state (and says whether the server's stream is a new one: a restart or a failover, `seq`
// started again); a delta applies only right after the one before it; a gap means resubscribe.
export interface StreamEvent {
  __typename?: string;
  epoch: string;
  seq: number;
}

export type StreamStep =
  | { kind: "snapshot"; newEpoch: boolean }
  | { kind: "apply" }
  /** Already seen (seq not above the last one): ignore. */
  | { kind: "skip" }
  /** Missed deltas, or a delta from another stream: resubscribe to get a snapshot. */
  | { kind: "gap"; expected: number; got: number };

export class StreamPosition {
  epoch: string | null = null;
  seq = -1;

  accept(event: StreamEvent, isSnapshot: boolean): StreamStep {
    if (isSnapshot) {
      const newEpoch = this.epoch !== null && this.epoch !== event.epoch;
      this.epoch = event.epoch;
      this.seq = event.seq;
      return { kind: "snapshot", newEpoch };
    }
    if (event.epoch !== this.epoch) return { kind: "gap", expected: this.seq + 1, got: event.seq };
    if (event.seq <= this.seq) return { kind: "skip" };
    if (event.seq !== this.seq + 1) return { kind: "gap", expected: this.seq + 1, got: event.seq };
    this.seq = event.seq;
    return { kind: "apply" };
  }
}
