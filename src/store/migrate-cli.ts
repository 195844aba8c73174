// `npm run db:migrate[:status|:create <name>]`: Prisma migrations through the wasm schema engine, because
// the native `prisma migrate` needs a binary that cannot be downloaded here.
// DATABASE_URL: unset → PGlite in DATA_DIR (./data); postgres(ql)://… → PostgreSQL; memory: → throwaway in-memory PGlite.
import { pino } from "pino";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { locateDatabase, migrationOptions, migrationUrlFor, openPglite } from "./database.ts";
import { create, deploy, status, type MigrationTarget } from "./schema-engine.ts";

const USAGE = "usage: migrate-cli deploy | status | create <name> [--draft]";

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "deploy" && command !== "status" && command !== "create") return fail(USAGE);
  const name = rest.find((arg) => !arg.startsWith("--"));
  if (command === "create" && !name) return fail(USAGE);

  const config = loadConfig();
  const location = locateDatabase(config.db.url, config.db.dataDir);
  const pglite = location.kind === "pglite" ? await openPglite(location.dataDir) : null;
  // Next to Asterisk's realtime tables the service's migrations live in its own schema (the columns and the
  // trigger on Asterisk's ps_contacts are added by the service at start).
  const target: MigrationTarget = pglite ? { pglite } : { url: (await migrationUrlFor((location as { url: string }).url, config.db.realtime)).url };
  // Logs to stderr so stdout carries only the result; LOG_LEVEL=debug shows the engine's output.
  const options = migrationOptions({ log: createLogger({ level: config.log.level === "info" ? "warn" : config.log.level }, pino.destination(2)) });
  try {
    if (command === "deploy") {
      const applied = await deploy(target, options);
      print(applied.length ? `Applied: ${applied.join(", ")}` : "No pending migrations to apply.");
      return 0;
    }
    if (command === "status") {
      const result = await status(target, options);
      print(result.upToDate ? "Database schema is up to date!" : JSON.stringify(result, null, 2));
      return result.upToDate ? 0 : 1;
    }
    const created = await create(target, { ...options, name, draft: rest.includes("--draft") });
    print(created.directory ? `Created ${created.directory}` : "Already in sync, no schema change or pending migration was found.");
    return 0;
  } finally {
    await pglite?.close();
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  },
);
