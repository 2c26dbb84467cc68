import { defineConfig } from 'vitest/config';

// Three tiers: pure unit tests beside the code, integration (real SSH in-process,
// real files) and e2e (real Docker, OpenSSH, dnsmasq, the built CLI in a pty).
export default defineConfig({
  test: {
    // Most e2e time is spent waiting on Docker, SSH and Claude, not on the CPU:
    // three files at a time finish in well under half the sequential time on
    // 2 cores. Tests assert behaviour only; timings live in bench/.
    fileParallelism: true,
    maxWorkers: 3,
    minWorkers: 1,
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.{ts,tsx}'], testTimeout: 10_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
