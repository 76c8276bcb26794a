import type { Database } from '../../lib/db';
import type { TableDeclaration } from '../../lib/etl/registry';
import { ident, STAGING_SCHEMA } from '../../lib/etl/sql';
import { windowFor, type EtlMode, type EtlWindow } from '../../lib/etl/window';
import { InvalidInputError } from '../../lib/errors';

export interface BeginRunInput {
  runId: string;
  workflowId: string;
  table: string;
  mode: EtlMode;
  start?: string;
  end?: string;
  /** The workflow's start: the same on every retry, so the log row is written once. */
  startedAt: string;
  triggeredBy?: string;
}

export interface BegunRun {
  window: EtlWindow;
  watermark: string | null;
}

/**
 * Records the run as `running` and fixes its window from the watermark as it is now. A retry
 * finds the row and answers the same window, so a run's window never moves under it.
 */
export async function beginRun(db: Database, table: TableDeclaration, input: BeginRunInput): Promise<BegunRun> {
  const existing = await db.query(
    'SELECT window_from::text, window_to::text, watermark_before::text FROM etl_execution_log WHERE run_id = $1',
    [input.runId],
  );
  const row = existing.rows[0];
  if (row) return { window: { from: row.window_from, to: row.window_to }, watermark: row.watermark_before };
  const { rows } = await db.query<{ watermark: string | null }>(
    'SELECT watermark::text FROM etl_watermarks WHERE table_name = $1',
    [table.name],
  );
  const watermark = rows[0]?.watermark ?? null;
  let window: EtlWindow;
  try {
    window = windowFor(table, input.mode, { watermark, start: input.start, end: input.end });
  } catch (error) {
    throw new InvalidInputError((error as Error).message);
  }
  await db.query(
    `INSERT INTO etl_execution_log (run_id, started_at, workflow_id, table_name, mode, triggered_by, window_from, window_to,
       status, watermark_before) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9) ON CONFLICT DO NOTHING`,
    [
      input.runId,
      input.startedAt,
      input.workflowId,
      table.name,
      input.mode,
      input.triggeredBy ?? null,
      window.from,
      window.to,
      watermark,
    ],
  );
  return { window, watermark };
}

/** A run that failed or was cancelled: its staging goes, its log row says how it ended. */
export async function finishRun(
  db: Database,
  input: { runId: string; status: 'failed' | 'canceled'; error?: string },
): Promise<void> {
  await db.withTransaction(async (client) => {
    const { rows } = await client.query<{ staging_table: string }>(
      'DELETE FROM etl_extract_checkpoints WHERE run_id = $1 RETURNING staging_table',
      [input.runId],
    );
    for (const row of rows) await client.query(`DROP TABLE IF EXISTS ${STAGING_SCHEMA}.${ident(row.staging_table)}`);
    await client.query(
      `UPDATE etl_execution_log SET status = $2, error = $3, finished_at = now() WHERE run_id = $1 AND status = 'running'`,
      [input.runId, input.status, input.error?.slice(0, 2000) ?? null],
    );
  });
}
