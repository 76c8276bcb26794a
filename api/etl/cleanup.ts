import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { dropOrphanStaging, finishRun, listRunningRuns } from '../../data/etl';
import type { Database } from '../../lib/db';

/**
 * `POST /api/v1/etl/cleanup`: what abandoned runs left. A log row still `running` whose workflow
 * is closed (or gone) is marked failed and its staging dropped; a staging table no checkpoint
 * names is dropped. Runs still going are left alone.
 */
export async function cleanupAbandoned(db: Database, client: Client) {
  const runsClosed: { runId: string; workflowId: string; status: string }[] = [];
  for (const run of await listRunningRuns(db)) {
    const status = await client.workflow
      .getHandle(run.workflowId, run.runId)
      .describe()
      .then(
        (description) => description.status.name as string,
        (error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
          throw error;
        },
      );
    if (status === 'RUNNING') continue;
    await finishRun(db, { runId: run.runId, status: 'failed', error: `abandoned: its workflow is ${status}` });
    runsClosed.push({ runId: run.runId, workflowId: run.workflowId, status });
  }
  const stagingDropped = await dropOrphanStaging(db);
  return { stagingDropped, runsClosed };
}
