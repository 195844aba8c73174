import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

// `npm run test:faults`: the service against real faults — throw-away PostgreSQL clusters that are stalled,
// stopped, killed, refused or silent; two instances on one database; two processes on one PGlite directory;
// a full disk; kill -9 loops; stop times. Real child processes and sockets. One file at a time: each
// starts clusters and services of its own, and the machine is shared.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }] },
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
