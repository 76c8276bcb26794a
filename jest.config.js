// Shared by both lanes: how a test file is compiled and run.
const compile = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // ESM-only node-fetch (and its own ESM dependencies), compiled to CommonJS for jest's module
  // loader: @google-cloud/bigquery's teeny-request loads it with a dynamic import() that jest
  // cannot run without --experimental-vm-modules.
  transformIgnorePatterns: [
    '/node_modules/(?!(teeny-request|node-fetch|fetch-blob|data-uri-to-buffer|formdata-polyfill)/)',
  ],
};

/**
 * Two lanes, told apart by the file name alone. A test that needs no server (no PostgreSQL, Temporal
 * or emulator: nothing from test/harness/context or env) is named `*.unit.test.ts` and runs in the
 * `unit` lane, without the global setup (`npm run test:unit`, in seconds). Every other `*.test.ts` runs
 * in the `integration` lane. test/unit/lanes.unit.test.ts fails when a file is in the wrong lane.
 * `npm test` runs both.
 *
 * @type {import('jest').Config}
 */
module.exports = {
  projects: [
    { ...compile, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    {
      ...compile,
      displayName: 'integration',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.unit\\.test\\.ts$'],
      // One PostgreSQL and one Temporal dev server for the whole run; a fresh database per test file.
      // Started only when a test of this lane is selected.
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
  // Two cores: the servers need one of them.
  maxWorkers: 2,
  // A bound, not an expectation: a test that takes 20 s alone can take three times that on a shared,
  // loaded 2-core machine. Tests wait on readiness signals; none asserts how fast it went.
  testTimeout: 120_000,
  verbose: false,
};
