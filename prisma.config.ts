// Prisma 7 CLI configuration. generate/validate/format work offline once PRISMA_SCHEMA_ENGINE_BINARY
// points at an existing file; `??=` keeps a real native engine if the user's machine provides one.
import { fileURLToPath } from "node:url";
import { defineConfig } from "prisma/config";

process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(new URL("./scripts/no-schema-engine.sh", import.meta.url));

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Not env("DATABASE_URL"): that throws when unset and would break `npm install`'s generate.
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
