import type { Database } from '../../lib/db';
import type { EtlWindow } from '../../lib/etl/window';

/** A run's extraction checkpoint (`etl_extract_checkpoints`, schemas/0004_etl.sql). */
export interface Checkpoint {
  runId: string;
  table: string;
  stagingTable: string;
  window: EtlWindow;
  jobId: string | null;
  location: string | null;
  pageToken: string | null;
  pages: number;
  rowsStaged: number;
  rowsRejected: number;
  done: boolean;
}

export async function loadCheckpoint(db: Pick<Database, 'query'>, runId: string): Promise<Checkpoint | null> {
  const { rows } = await db.query(
    `SELECT run_id, table_name, staging_table, window_from::text, window_to::text, bq_job_id, bq_location, page_token,
            pages, rows_staged, rows_rejected, done FROM etl_extract_checkpoints WHERE run_id = $1`,
    [runId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    runId: row.run_id,
    table: row.table_name,
    stagingTable: row.staging_table,
    window: { from: row.window_from, to: row.window_to },
    jobId: row.bq_job_id,
    location: row.bq_location,
    pageToken: row.page_token,
    pages: row.pages,
    rowsStaged: Number(row.rows_staged),
    rowsRejected: Number(row.rows_rejected),
    done: row.done,
  };
}

/** Staging table of a run: `<table>_<run id's hex>`, unique per run and a valid identifier. */
export function stagingTableName(table: string, runId: string): string {
  return `${table}_${runId
    .replace(/[^0-9a-zA-Z]/g, '')
    .toLowerCase()
    .slice(0, 32)}`;
}
