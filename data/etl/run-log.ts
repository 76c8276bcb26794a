import type { Database, Queryable } from '../../lib/db';
import type { EtlMode, EtlWindow } from '../../lib/etl/window';
import { dropRunStaging } from './staging';

/** The ETL's execution log (`etl_execution_log`): one row per run, its only writer. */

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Staged rows whose key repeated another staged row's: one row per key is loaded. */
  duplicatesDropped: number;
  watermark: string | null;
}

/** A run already logged: the window it fixed when it began, and the watermark it began from. */
export async function findRunWindow(
  db: Pick<Database, 'query'>,
  runId: string,
): Promise<{ window: EtlWindow; watermark: string | null } | null> {
  const { rows } = await db.query(
    'SELECT window_from::text, window_to::text, watermark_before::text FROM etl_execution_log WHERE run_id = $1',
    [runId],
  );
  const row = rows[0];
  return row ? { window: { from: row.window_from, to: row.window_to }, watermark: row.watermark_before } : null;
}

export interface RunningRun {
  runId: string;
  startedAt: string;
  workflowId: string;
  table: string;
  mode: EtlMode;
  triggeredBy: string | null;
  window: EtlWindow;
  watermarkBefore: string | null;
}

/** Logs a run as `running`; a second insert of the same run changes nothing. */
export async function insertRunningRun(db: Pick<Database, 'query'>, run: RunningRun): Promise<void> {
  await db.query(
    `INSERT INTO etl_execution_log (run_id, started_at, workflow_id, table_name, mode, triggered_by, window_from, window_to,
       status, watermark_before) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9) ON CONFLICT DO NOTHING`,
    [
      run.runId,
      run.startedAt,
      run.workflowId,
      run.table,
      run.mode,
      run.triggeredBy,
      run.window.from,
      run.window.to,
      run.watermarkBefore,
    ],
  );
}

export async function setRunJob(db: Pick<Database, 'query'>, runId: string, jobId: string | null): Promise<void> {
  await db.query('UPDATE etl_execution_log SET bq_job_id = $2 WHERE run_id = $1', [runId, jobId]);
}

export interface SucceededRun {
  runId: string;
  pages: number;
  rowsExtracted: number;
  rowsRejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  duplicatesDropped: number;
  watermarkBefore: string | null;
  watermarkAfter: string | null;
  schemaNotes: string | null;
}

/** The merge's last word, in its transaction: the run `succeeded`, with its counts. */
export async function markRunSucceeded(client: Queryable, run: SucceededRun): Promise<void> {
  await client.query(
    `UPDATE etl_execution_log SET status = 'succeeded', finished_at = now(), pages = $2, rows_extracted = $3,
       rows_rejected = $4, inserted = $5, updated = $6, unchanged = $7, deleted = $8, watermark_before = $9,
       watermark_after = $10, schema_notes = $11, duplicates_dropped = $12 WHERE run_id = $1`,
    [
      run.runId,
      run.pages,
      run.rowsExtracted,
      run.rowsRejected,
      run.inserted,
      run.updated,
      run.unchanged,
      run.deleted,
      run.watermarkBefore,
      run.watermarkAfter,
      run.schemaNotes,
      run.duplicatesDropped,
    ],
  );
}

/** The counts of a run that succeeded (a merge retried after its commit answers them again). */
export async function loggedCounts(db: Pick<Database, 'query'>, runId: string): Promise<MergeCounts | null> {
  const { rows } = await db.query(
    `SELECT inserted, updated, unchanged, deleted, duplicates_dropped, watermark_after::text AS watermark
       FROM etl_execution_log
     WHERE run_id = $1 AND status = 'succeeded'`,
    [runId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    inserted: Number(row.inserted),
    updated: Number(row.updated),
    unchanged: Number(row.unchanged),
    deleted: Number(row.deleted),
    duplicatesDropped: Number(row.duplicates_dropped ?? 0),
    watermark: row.watermark,
  };
}

/** A run that failed or was cancelled: its staging goes, its log row says how it ended. */
export async function finishRun(
  db: Database,
  input: { runId: string; status: 'failed' | 'canceled'; error?: string },
): Promise<void> {
  await db.withTransaction(async (client) => {
    await dropRunStaging(client, input.runId);
    await client.query(
      `UPDATE etl_execution_log SET status = $2, error = $3, finished_at = now() WHERE run_id = $1 AND status = 'running'`,
      [input.runId, input.status, input.error?.slice(0, 2000) ?? null],
    );
  });
}

/** The runs the log still calls `running` (the cleanup asks Temporal whether they still are). */
export async function listRunningRuns(db: Pick<Database, 'query'>): Promise<{ runId: string; workflowId: string }[]> {
  const { rows } = await db.query<{ run_id: string; workflow_id: string }>(
    "SELECT run_id, workflow_id FROM etl_execution_log WHERE status = 'running'",
  );
  return rows.map((row) => ({ runId: row.run_id, workflowId: row.workflow_id }));
}
