// `npm run build:pglite` (run by postinstall): writes the PGlite template a new DATA_DIR starts from
// (see pglite-template.ts). Prints one line; a failure is not fatal to the install (a start then runs
// initdb itself, as it always could).
import { pino } from "pino";
import { createLogger } from "../logger.ts";
import { migrateEmbedded, migrationOptions } from "./database.ts";
import { DEFAULT_TEMPLATE_PATH, writeTemplate } from "./pglite-template.ts";

const log = createLogger({ level: "warn" }, pino.destination(2));
const started = performance.now();
try {
  const bytes = await writeTemplate((pglite) => migrateEmbedded(pglite, migrationOptions({ log }), log));
  process.stdout.write(`PGlite template: ${DEFAULT_TEMPLATE_PATH} (${(bytes / 1e6).toFixed(1)} MB, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
} catch (error) {
  process.stderr.write(`PGlite template not written (${(error as Error).message}); new data directories will run initdb at first start\n`);
}
