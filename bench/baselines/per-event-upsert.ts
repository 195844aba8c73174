// Baseline 1, "the common way" to persist AMI state: one Prisma upsert per event, issued from the
// event handler without waiting (so the socket keeps being read), no coalescing, no batching.
import type { ExtensionWrite, Log } from "../../src/domain/ports.ts";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import type { WriteSink } from "../../src/service/availability-service.ts";

export function perEventUpsertSink(prisma: PrismaClient, log: Log): WriteSink & { failures(): number } {
  let failures = 0;
  return {
    failures: () => failures,
    enqueue({ extension, state }: ExtensionWrite): void {
      if (state === null) return; // removals do not occur in the bench's load
      const row = {
        deviceState: state.deviceState,
        status: state.status,
        online: state.online,
        available: state.available,
        lastSeen: state.lastSeen === null ? null : new Date(state.lastSeen),
        updatedAt: new Date(state.updatedAt),
      };
      prisma.psEndpoint.upsert({ where: { id: extension }, create: { id: extension, ...row }, update: row }).catch((error: unknown) => {
        failures++;
        if (failures <= 5) log.warn({ err: String(error) }, "per-event upsert failed");
      });
    },
  };
}
