// Vite builds for the browser suite: the CRM test page (development mode, so Apollo's and urql's
// dev warnings are live) and, when missing, the wallboard the service serves.
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "vite";
import react from "@vitejs/plugin-react";

const REPO = resolve(import.meta.dirname, "../../..");

export async function buildCrmPage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), "aa-crm-page-"));
  await build({
    configFile: false,
    root: join(REPO, "test/browser/page"),
    mode: "development",
    logLevel: "warn",
    plugins: [react()],
    build: { outDir, emptyOutDir: true, minify: false, sourcemap: false },
  });
  return outDir;
}

/** dist/web, built again when a file under src/web or src/client is newer than it (or it is missing). */
export async function ensureWallboardBuilt(): Promise<void> {
  const index = join(REPO, "dist/web/index.html");
  const builtAt = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (builtAt > 0 && newestSource([join(REPO, "src/web"), join(REPO, "src/client")]) < builtAt) return;
  await build({ configFile: join(REPO, "vite.config.ts"), logLevel: "warn" });
}

function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}
