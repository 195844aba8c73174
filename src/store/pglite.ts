// Opening PGlite: its module loaded on first use (a service on PostgreSQL never pays for it), with the
// service's memory settings.
import type { PGlite } from "@electric-sql/pglite";

export interface PgliteSettings {
  /**
   * PostgreSQL's shared_buffers. PGlite's default, 128 MB, is zeroed by WebAssembly at every open (about
   * 1 s of a start on this machine); the service's tables are a few MB, and the OS page cache still
   * holds the files, so 16 MB loses nothing.
   */
  sharedBuffersMb: number;
}

export const DEFAULT_PGLITE: PgliteSettings = { sharedBuffersMb: 16 };

/** PGlite in `dataDir` (created if missing), or in memory when it is undefined. */
export async function createPglite(dataDir: string | undefined, settings: PgliteSettings = DEFAULT_PGLITE): Promise<PGlite> {
  const { PGlite } = await import("@electric-sql/pglite");
  return PGlite.create(dataDir, { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${settings.sharedBuffersMb}MB`] });
}
