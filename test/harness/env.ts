/** How the global setup tells test files where the shared servers are. */
export const HARNESS_ENV = {
  adminDatabaseUrl: 'TEST_ADMIN_DATABASE_URL',
  templateDatabase: 'TEST_TEMPLATE_DATABASE',
  temporalAddress: 'TEST_TEMPORAL_ADDRESS',
  workflowBundle: 'TEST_WORKFLOW_BUNDLE',
  /** The BigQuery emulator's REST endpoint (project LOCAL_BIGQUERY.project); each test file makes its own dataset. */
  bigqueryEndpoint: 'TEST_BIGQUERY_ENDPOINT',
} as const;

export function harnessValue(name: keyof typeof HARNESS_ENV): string {
  const value = process.env[HARNESS_ENV[name]];
  if (!value) throw new Error(`${HARNESS_ENV[name]} is not set: run the tests with \`npm test\` (jest's global setup)`);
  return value;
}

/**
 * A namespace of the shared dev server that only the fuzz test uses: the workflows its requests
 * start on the real task queues (`telemetry`, `compliance`…) never reach another file's workers.
 */
export const ISOLATED_NAMESPACE = 'isolated';

/**
 * The namespace of the tests that run a process applying every declared schedule (`workers/main.ts`):
 * those schedules fire here (the telemetry cycles every minute), never onto the real task queues that
 * other test files' workers poll in `default`, where they would run against those files' databases.
 */
export const DECLARED_SCHEDULES_NAMESPACE = 'declared-schedules';
