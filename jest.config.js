/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // ESM-only node-fetch (and its own ESM dependencies), compiled to CommonJS for jest's module
  // loader: @google-cloud/bigquery's teeny-request loads it with a dynamic import() that jest
  // cannot run without --experimental-vm-modules.
  transformIgnorePatterns: [
    '/node_modules/(?!(teeny-request|node-fetch|fetch-blob|data-uri-to-buffer|formdata-polyfill)/)',
  ],
  // One PostgreSQL and one Temporal dev server for the whole run; a fresh database per test file.
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  // Two cores: the servers need one of them.
  maxWorkers: 2,
  // A bound, not an expectation: a test that takes 20 s alone can take three times that on a shared,
  // loaded 2-core machine. Tests wait on readiness signals; none asserts how fast it went.
  testTimeout: 120_000,
  verbose: false,
};
