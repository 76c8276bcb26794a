import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { harnessValue } from '../harness/env';
import { quietSdkLogs } from '../harness/context';
import { HISTORIES_DIR } from '../harness/histories';

/**
 * Replays every recorded history against the current workflow code. A change that breaks
 * determinism (reordered activities, a new timer) fails here instead of on running workflows.
 * Record them again with `npm run histories:record-tests` (every test that records one), one file's
 * with `RECORD_HISTORIES=1 npx jest <file>`, or a run of a live stack with `npm run histories:record`.
 */
const files = readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.json'));

beforeAll(quietSdkLogs);

describe('recorded histories', () => {
  it('includes at least one history', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
    const workflowType = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    expect(workflowType).toBeTruthy();
    await Worker.runReplayHistory({ workflowBundle: { codePath: harnessValue('workflowBundle') } }, history, file);
  });
});
