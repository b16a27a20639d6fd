import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Runtime and browser suites start real processes; give them room but never time them.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ["tests/helpers/global-setup.ts"],
    reporters: ["default"],
  },
});
