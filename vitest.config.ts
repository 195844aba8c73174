import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

// `npm test`: unit, replayed-AMI, store (PostgreSQL + PGlite) and API suites.
// The real-Asterisk, hostile, fault and browser suites have their own configs (vitest.asterisk.config.ts,
// vitest.hostile.config.ts, vitest.faults.config.ts, vitest.browser.config.ts).
export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node (and so every dependency vitest leaves
    // to Node: graphql-ws, @apollo/server, @graphql-tools) loads the CJS one; make our code use it too,
    // or schema objects cross "realms" and instanceof checks fail. Production (tsx/Node) is unaffected.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/asterisk/**", "test/hostile/**", "test/faults/**", "test/browser/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
