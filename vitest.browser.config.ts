// `npm run test:browser`: the wallboard and CRM pages in headless Chromium against the real service
// (a child process), the AMI simulator over TCP and PostgreSQL. Screenshots go to test-artifacts/.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
