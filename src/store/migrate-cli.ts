// `npm run db:migrate[:status|:create <name>]`: Prisma migrations through the wasm schema engine, because
// the native `prisma migrate` needs a binary that cannot be downloaded here.
// DATABASE_URL: unset → PGlite in ./data; postgres(ql)://… → PostgreSQL; memory: → throwaway in-memory PGlite.
import type { Log } from "../domain/ports.ts";
import { locateDatabase, migrationOptions, openPglite } from "./database.ts";
import { create, deploy, status, type MigrationTarget } from "./schema-engine.ts";

const USAGE = "usage: migrate-cli deploy | status | create <name> [--draft]";

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "deploy" && command !== "status" && command !== "create") return fail(USAGE);
  const name = rest.find((arg) => !arg.startsWith("--"));
  if (command === "create" && !name) return fail(USAGE);

  const location = locateDatabase(process.env.DATABASE_URL, "./data");
  const pglite = location.kind === "pglite" ? await openPglite(location.dataDir) : null;
  const target: MigrationTarget = pglite ? { pglite } : { url: (location as { url: string }).url };
  const options = migrationOptions({ log: stderrLog(process.env.MIGRATE_DEBUG === "1") });
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

/** The CLI's own logger: JSON lines on stderr; engine debug output only with MIGRATE_DEBUG=1. */
function stderrLog(debug: boolean, bindings: object = {}): Log {
  const write = (level: string) => (obj: object, msg?: string) => {
    if (level !== "debug" || debug) process.stderr.write(`${JSON.stringify({ level, ...bindings, ...obj, msg })}\n`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), child: (more) => stderrLog(debug, { ...bindings, ...more }) };
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  },
);
