import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (in-process, no child process or server; under 10 s) and `e2e` (real MCP
 * servers, sandboxes, the CLI and the packed package). `npm test` runs both; `npm run test:unit`
 * only the first.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites start real MCP servers as child processes; two cores are plenty busy with a few at once.
    maxWorkers: 2,
    // Each test file gets a data folder of its own (see the file).
    setupFiles: ['./test/support/data-dir.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.e2e.test.ts'] },
      },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'] } },
    ],
  },
});
