import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { finishRun } from '../../activities/etl/run-log';
import type { Database } from '../../lib/db';
import { ident, STAGING_SCHEMA } from '../../lib/etl/sql';

/**
 * `POST /api/v1/etl/cleanup`: what abandoned runs left. A log row still `running` whose workflow
 * is closed (or gone) is marked failed and its staging dropped; a staging table no checkpoint
 * names is dropped. Runs still going are left alone.
 */
export async function cleanupAbandoned(db: Database, client: Client) {
  const runsClosed: { runId: string; workflowId: string; status: string }[] = [];
  const { rows } = await db.query<{ run_id: string; workflow_id: string }>(
    "SELECT run_id, workflow_id FROM etl_execution_log WHERE status = 'running'",
  );
  for (const row of rows) {
    const status = await client.workflow
      .getHandle(row.workflow_id, row.run_id)
      .describe()
      .then(
        (description) => description.status.name as string,
        (error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
          throw error;
        },
      );
    if (status === 'RUNNING') continue;
    await finishRun(db, { runId: row.run_id, status: 'failed', error: `abandoned: its workflow is ${status}` });
    runsClosed.push({ runId: row.run_id, workflowId: row.workflow_id, status });
  }
  const orphans = await db.query<{ name: string }>(
    `SELECT t.table_name AS name FROM information_schema.tables t
     WHERE t.table_schema = $1 AND NOT EXISTS (SELECT 1 FROM etl_extract_checkpoints c WHERE c.staging_table = t.table_name)`,
    [STAGING_SCHEMA],
  );
  for (const orphan of orphans.rows) await db.query(`DROP TABLE IF EXISTS ${STAGING_SCHEMA}.${ident(orphan.name)}`);
  return { stagingDropped: orphans.rows.map((row) => row.name), runsClosed };
}
