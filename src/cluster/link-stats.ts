// A PBX another instance leads, seen from this one: its AMI link as the leader last reported it in the
// stream, as AMI stats (the counters are the leader's own, so they read 0 here).
import type { AmiBridgeStats } from "../ami/ami-bridge.ts";
import type { LinkRecord } from "./replica.ts";

export function statsOfLink(link: LinkRecord | null): AmiBridgeStats {
  return {
    connected: link?.connected ?? false,
    synced: link?.synced ?? false,
    resyncing: false,
    reconnects: 0,
    lastEventAt: null,
    lastResyncAt: null,
    lastError: link ? link.lastError : "no leader yet",
    eventsProcessed: 0,
    eventsIgnored: 0,
    malformed: 0,
    resyncs: 0,
    resyncFailures: 0,
    queueData: { available: link?.queueDataAvailable ?? true, detail: link?.queueDataDetail ?? null },
  };
}
