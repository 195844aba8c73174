import { defineConfig } from "vitest/config";

// `npm run test:asterisk`: the service as a child process against a real Asterisk 22
// (../shared/asterisk-lab). One lab per machine, so files run one after another.
export default defineConfig({
  test: {
    include: ["test/asterisk/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    reporters: ["verbose"],
  },
});
