// The AMI side of the bench in its own process: the service logs into it over TCP. It sends flips
// (one AMI event each, each changing an agent's status) at a steady rate and records, for every event,
// when it was written to the socket and which status it must lead to.
import { nowMs, sleep } from "../lib/clock.ts";
import { serve } from "../lib/rpc.ts";
import { startSource, type AgentSpec, type AmiLoadSource } from "../lib/ami-load-source.ts";

export interface SentEvents {
  extensions: string[];
  /** Epoch ms (sub-ms resolution) when the event was written to the AMI socket. */
  sentAt: number[];
  /** The status the event leads to. */
  statuses: string[];
  /** AMI events these flips produced (a flip may take several). */
  amiEvents: number;
  /** flipAll: when every event was queued (the source's own work done), and when the socket had taken them all. */
  queuedAt?: number;
  flushedAt?: number;
}

let source: AmiLoadSource | undefined;

function record(log: SentEvents, keep: boolean | undefined, extensions: string[], statuses: string[]): void {
  if (keep === false) return;
  const at = nowMs(); // the flip's events are written on the source's next tick, after this
  for (let i = 0; i < extensions.length; i++) {
    log.extensions.push(extensions[i]!);
    log.sentAt.push(at);
    log.statuses.push(statuses[i]!);
  }
}
const started = (): AmiLoadSource => {
  if (!source) throw new Error("start() first");
  return source;
};

serve({
  async start(spec: AgentSpec) {
    source = await startSource(spec);
    return { backend: source.backend, host: source.host, port: source.port };
  },

  /**
   * Flips `extensions` round-robin for `seconds`, at `rate` flips/s, or at `eventsPerSecond` AMI events/s
   * (flips are added while the events written fall behind that rate). `record: false` keeps no log (soak).
   */
  async runFlips(options: { rate?: number; eventsPerSecond?: number; seconds: number; extensions: string[]; record?: boolean }): Promise<SentEvents> {
    const src = started();
    const log: SentEvents = { extensions: [], sentAt: [], statuses: [], amiEvents: 0 };
    const eventsBefore = src.eventsSent();
    const begin = nowMs();
    const end = begin + options.seconds * 1000;
    let next = 0;
    for (let now = begin; now < end; now = nowMs()) {
      const elapsed = (now - begin) / 1000;
      const batch: string[] = [];
      if (options.eventsPerSecond) {
        // One flip at a time, so that the count of events it produced is known before the next.
        while (src.eventsSent() - eventsBefore < elapsed * options.eventsPerSecond) {
          const extension = options.extensions[next++ % options.extensions.length]!;
          record(log, options.record, [extension], src.flip([extension]));
        }
      } else {
        const due = Math.floor(elapsed * (options.rate ?? 0));
        while (next < due) batch.push(options.extensions[next++ % options.extensions.length]!);
        if (batch.length) record(log, options.record, batch, src.flip(batch));
      }
      await sleep(1);
    }
    log.amiEvents = src.eventsSent() - eventsBefore;
    return log;
  },

  /** Every extension flipped at once, in one write: the burst after an Asterisk restart. */
  async flipAll(extensions: string[]): Promise<SentEvents> {
    const src = started();
    const eventsBefore = src.eventsSent();
    const at = nowMs();
    const statuses = src.flip(extensions);
    const queuedAt = nowMs();
    await src.flushed();
    return { extensions, sentAt: extensions.map(() => at), statuses, amiEvents: src.eventsSent() - eventsBefore, queuedAt, flushedAt: nowMs() };
  },

  changeQuietly(): Array<[string, string]> {
    return [...started().changeQuietly()];
  },

  async close() {
    await source?.close();
  },
});
