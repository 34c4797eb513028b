import { defineConfig } from "vitest/config";

// One vitest run, inside one `firebase emulators:exec`, runs every project:
// - unit: pure code and adapters (colocated with the source), and the Cal.com contract
//   conformance test, in parallel, no emulator needed;
// - int: handlers in-process against the Firestore/Auth emulators (own project id, so the
//   emulated triggers never fire on their writes), one file at a time;
// - rules: firestore.rules with @firebase/rules-unit-testing (own project id);
// - e2e: over HTTP through the Functions emulator (the demo project the emulator serves).
export default defineConfig({
  test: {
    // The JSON report is what .ci/run counts its closing `N passed, N failed` line from.
    reporters: ["default", "json"],
    // Structured logs of passing tests are noise; a failing test still shows its own.
    silent: "passed-only",
    outputFile: { json: "test-results/vitest.json" },
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "bench/**/*.test.ts", "test/contract/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "int",
          include: ["test/int/**/*.test.ts"],
          setupFiles: ["test/setup/emulator-env.ts", "test/setup/int-isolation.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "rules",
          include: ["test/rules/**/*.test.ts"],
          setupFiles: ["test/setup/emulator-env.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          setupFiles: ["test/setup/emulator-env.ts", "test/setup/e2e-isolation.ts"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
