// `npm run test:hostile`: the hostile suite (a few minutes): the service in a child process under
// network and AMI attacks, with latency, memory and liveness bounds.
import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  // Same graphql alias as vitest.config.ts (one realm for schema objects).
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }] },
  test: {
    include: ["test/hostile/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
