import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The test files that record the histories under test/histories/ (with RECORD_HISTORIES=1), directly
 * with `recordHistory` or through their family's harness (`runCycle`, `runTelemetryWorkflow`).
 * test/unit/histories.unit.test.ts fails when a recording file or a history's recorder is missing here.
 */
export const RECORDING_TESTS = [
  'test/compliance/outcomes.test.ts',
  'test/compliance/sending.test.ts',
  'test/cv/pipeline.test.ts',
  'test/cv/upstream-faults.test.ts',
  'test/cv/worker-kill.test.ts',
  'test/etl/api.test.ts',
  'test/etl/durability.test.ts',
  'test/metrics/batch.test.ts',
  'test/platform/canary.test.ts',
  'test/telemetry/backfill.test.ts',
  'test/telemetry/cycle.test.ts',
  'test/telemetry/reprocess.test.ts',
  'test/telemetry/worker-kill.test.ts',
];

/**
 * `npm run histories:record-tests [-- jest options]`: runs every recording test with RECORD_HISTORIES=1,
 * so each history under test/histories/ is recorded again from the current workflow code (the servers
 * are started by jest's global setup, as for `npm test`).
 */
function main(): void {
  const root = path.resolve(__dirname, '..');
  const jest = require.resolve('jest/bin/jest', { paths: [root] });
  const run = spawnSync(
    process.execPath,
    [jest, '--selectProjects', 'integration', '--runTestsByPath', ...RECORDING_TESTS, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit', env: { ...process.env, RECORD_HISTORIES: '1' } },
  );
  process.exit(run.status ?? 1);
}

if (require.main === module) main();
