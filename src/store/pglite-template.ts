// A fresh PGlite directory costs an initdb in WebAssembly: 5 s on a quiet 2-core machine, 30 s on a
// busy one, before a new user's first start can answer. `npm install` pays it once instead: it makes a
// template (initdb + every committed migration, dumped as a gzipped tarball) in node_modules/.cache, and
// a new DATA_DIR starts as a copy of it (a few hundred ms). The migration runner then applies whatever
// the template lacks, so a stale template is only slower, never wrong. The file name carries PGlite's
// version: a template from another version is never loaded. No template: initdb as before.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
// (The package's exports do not include package.json: read the file.)
const PGLITE_VERSION = (JSON.parse(readFileSync(path.join(REPO, "node_modules", "@electric-sql", "pglite", "package.json"), "utf8")) as { version: string }).version;

export const DEFAULT_TEMPLATE_PATH = path.join(REPO, "node_modules", ".cache", "agent-availability", `pglite-${PGLITE_VERSION}.tar.gz`);

/** A directory PGlite has never initialised (it may hold our lock file). */
export function isFreshDataDir(dataDir: string): boolean {
  return !existsSync(path.join(dataDir, "PG_VERSION"));
}

/** Opens `dataDir`, starting from the template when the directory is fresh and a template exists. */
export async function openPgliteFromTemplate(dataDir: string, templatePath: string = DEFAULT_TEMPLATE_PATH): Promise<{ pglite: PGlite; fromTemplate: boolean }> {
  if (!isFreshDataDir(dataDir) || !existsSync(templatePath)) return { pglite: await PGlite.create(dataDir), fromTemplate: false };
  const pglite = await PGlite.create(dataDir, { loadDataDir: new Blob([readFileSync(templatePath)]) });
  return { pglite, fromTemplate: true };
}

/** Writes the template: `migrate` brings a fresh PGlite up to date (the same runner a start uses). */
export async function writeTemplate(migrate: (pglite: PGlite) => Promise<void>, templatePath: string = DEFAULT_TEMPLATE_PATH): Promise<number> {
  const work = mkdtempSync(path.join(tmpdir(), "aa-pglite-template-"));
  try {
    const pglite = await PGlite.create(path.join(work, "data"));
    try {
      await migrate(pglite);
      // A clean checkpoint, so the copy starts without WAL to replay.
      await pglite.exec("CHECKPOINT");
      const dump = await pglite.dumpDataDir("gzip");
      mkdirSync(path.dirname(templatePath), { recursive: true });
      const partial = `${templatePath}.${process.pid}.partial`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, templatePath); // never a half-written template
      return dump.size;
    } finally {
      await pglite.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
