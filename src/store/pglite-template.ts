// A fresh PGlite directory costs an initdb in WebAssembly: 5 s on a quiet 2-core machine, 30 s on a
// busy one, before a new user's first start can answer. `npm install` pays it once instead: it makes a
// template (initdb + every committed migration, closed cleanly) as a plain directory in
// node_modules/.cache, and a new DATA_DIR starts as a file copy of it (~40 MB, a few hundred ms; loading
// a gzipped tarball through PGlite's in-wasm file system took seconds). The migration runner then
// applies whatever the template lacks, so a stale template is only slower, never wrong. The directory
// name carries PGlite's version: a template from another version is never used. No template: initdb.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { createPglite, DEFAULT_PGLITE, type PgliteSettings } from "./pglite.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
// (The package's exports do not include package.json: read the file.)
const PGLITE_VERSION = (JSON.parse(readFileSync(path.join(REPO, "node_modules", "@electric-sql", "pglite", "package.json"), "utf8")) as { version: string }).version;

export const DEFAULT_TEMPLATE_PATH = path.join(REPO, "node_modules", ".cache", "agent-availability", `pglite-${PGLITE_VERSION}`);

/** Written last when a directory is copied: until it exists, a directory counts as fresh (an interrupted copy is redone). */
const MARKER = "PG_VERSION";

/** A directory PGlite has never initialised (it may hold our lock file). */
export function isFreshDataDir(dataDir: string): boolean {
  return !existsSync(path.join(dataDir, MARKER));
}

/** Opens `dataDir`, starting from the template when the directory is fresh and a template exists. */
export async function openPgliteFromTemplate(
  dataDir: string,
  templatePath: string = DEFAULT_TEMPLATE_PATH,
  settings: PgliteSettings = DEFAULT_PGLITE,
): Promise<{ pglite: PGlite; fromTemplate: boolean }> {
  const fromTemplate = isFreshDataDir(dataDir) && !isFreshDataDir(templatePath);
  if (fromTemplate) copyTemplate(templatePath, dataDir);
  return { pglite: await createPglite(dataDir, settings), fromTemplate };
}

/**
 * Plain copyFileSync per file: fs.cp's async walk took seconds for the template's ~1,000 files on a
 * busy machine (several thread-pool round trips each), this a few hundred ms. Nothing else runs yet.
 */
function copyTemplate(templatePath: string, dataDir: string): void {
  const copyTree = (from: string, to: string, skip?: string) => {
    mkdirSync(to, { recursive: true, mode: statSync(from).mode });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      if (entry.name === skip) continue;
      if (entry.isDirectory()) copyTree(path.join(from, entry.name), path.join(to, entry.name));
      else copyFileSync(path.join(from, entry.name), path.join(to, entry.name));
    }
  };
  // Files of an interrupted copy are overwritten. The marker last: only a whole copy counts.
  copyTree(templatePath, dataDir, MARKER);
  copyFileSync(path.join(templatePath, MARKER), path.join(dataDir, MARKER));
}

/** Writes the template: `migrate` brings a fresh PGlite up to date (the same runner a start uses). Returns its size in bytes. */
export async function writeTemplate(
  migrate: (pglite: PGlite) => Promise<void>,
  templatePath: string = DEFAULT_TEMPLATE_PATH,
  settings: PgliteSettings = DEFAULT_PGLITE,
): Promise<number> {
  const parent = path.dirname(templatePath);
  await mkdir(parent, { recursive: true });
  // Made beside its final place (same file system), then renamed: never a half-written template.
  const work = await mkdtemp(path.join(parent, `${path.basename(templatePath)}.partial-`));
  try {
    const pglite = await createPglite(work, settings);
    try {
      await migrate(pglite);
    } finally {
      // A clean shutdown: a copy starts without WAL to replay.
      await pglite.close();
    }
    await rm(templatePath, { recursive: true, force: true });
    await rename(work, templatePath);
    // The gzipped tarball earlier versions wrote there (never read any more).
    await rm(`${templatePath}.tar.gz`, { force: true });
    return directorySize(templatePath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function directorySize(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}
