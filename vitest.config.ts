import { defineConfig } from "vitest/config";

// `npm test`: unit, replayed-AMI, store (PostgreSQL + PGlite) and API suites.
// The real-Asterisk suite has its own config (vitest.asterisk.config.ts).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/asterisk/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
