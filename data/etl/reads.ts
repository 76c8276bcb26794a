import type { Database } from '../../lib/db';
import { ETL_TABLES } from '../../lib/etl/registry';

/** The ETL family's reads for the API: the watermarks, the execution log and the checkpoints. */

const iso = (value: Date | null) => value?.toISOString() ?? null;
const num = (value: bigint | number | null) => (value === null ? null : Number(value));

const LOG_COLUMNS = `run_id, workflow_id, table_name, mode, triggered_by, status, window_from::text, window_to::text, started_at,
  finished_at, pages, rows_extracted, rows_rejected, inserted, updated, unchanged, deleted, duplicates_dropped,
  watermark_before::text,
  watermark_after::text, schema_notes, error`;

function toRunLog(row: Record<string, unknown>) {
  return {
    runId: row.run_id as string,
    workflowId: row.workflow_id as string,
    mode: row.mode as string,
    triggeredBy: row.triggered_by as string | null,
    status: row.status as 'running' | 'succeeded' | 'failed' | 'canceled',
    window: { from: row.window_from as string | null, to: row.window_to as string | null },
    startedAt: (row.started_at as Date).toISOString(),
    finishedAt: iso(row.finished_at as Date | null),
    pages: Number(row.pages),
    rowsExtracted: Number(row.rows_extracted),
    rowsRejected: Number(row.rows_rejected),
    inserted: num(row.inserted as bigint | null),
    updated: num(row.updated as bigint | null),
    unchanged: num(row.unchanged as bigint | null),
    deleted: num(row.deleted as bigint | null),
    duplicatesDropped: num(row.duplicates_dropped as bigint | null),
    watermarkBefore: row.watermark_before as string | null,
    watermarkAfter: row.watermark_after as string | null,
    schemaNotes: row.schema_notes as string | null,
    error: row.error as string | null,
  };
}

/** `timeZone`: the watermark's age counts local days of PIPELINES_TZ, not the server's. */
export async function readWatermarks(db: Database, timeZone: string) {
  const { rows } = await db.query(
    `SELECT table_name, watermark::text, ((now() AT TIME ZONE $1)::date - watermark) AS age_days, last_success_at
     FROM etl_watermarks`,
    [timeZone],
  );
  const byTable = new Map(rows.map((row) => [row.table_name as string, row]));
  return ETL_TABLES.map(({ name }) => {
    const row = byTable.get(name);
    return {
      table: name,
      watermark: (row?.watermark as string | undefined) ?? null,
      watermarkAgeDays: row?.age_days === undefined || row.age_days === null ? null : Number(row.age_days),
      lastSuccessAt: iso((row?.last_success_at as Date | undefined) ?? null),
    };
  });
}

export async function readStatus(db: Database, timeZone: string) {
  const [watermarks, last] = await Promise.all([
    readWatermarks(db, timeZone),
    db.query(
      `SELECT DISTINCT ON (table_name) ${LOG_COLUMNS} FROM etl_execution_log ORDER BY table_name, started_at DESC`,
    ),
  ]);
  const lastByTable = new Map(last.rows.map((row) => [row.table_name as string, toRunLog(row)]));
  return { tables: watermarks.map((w) => ({ ...w, lastRun: lastByTable.get(w.table) ?? null })) };
}

export async function readTableStatus(db: Database, timeZone: string, table: string, limit = 10) {
  const [watermarks, runs, running] = await Promise.all([
    readWatermarks(db, timeZone),
    db.query(`SELECT ${LOG_COLUMNS} FROM etl_execution_log WHERE table_name = $1 ORDER BY started_at DESC LIMIT $2`, [
      table,
      limit,
    ]),
    db.query(
      `SELECT c.run_id, l.workflow_id, c.pages, c.rows_staged, c.rows_rejected, c.done, c.updated_at
       FROM etl_extract_checkpoints c LEFT JOIN etl_execution_log l ON l.run_id = c.run_id
       WHERE c.table_name = $1 ORDER BY c.created_at`,
      [table],
    ),
  ]);
  return {
    ...watermarks.find((w) => w.table === table)!,
    lastRuns: runs.rows.map(toRunLog),
    running: running.rows.map((row) => ({
      runId: row.run_id as string,
      workflowId: row.workflow_id as string | null,
      pagesStaged: Number(row.pages),
      rowsStaged: Number(row.rows_staged),
      rowsRejected: Number(row.rows_rejected),
      extracted: row.done as boolean,
      updatedAt: (row.updated_at as Date).toISOString(),
    })),
  };
}

/** The latest sign that an ETL worker's BigQuery calls succeed: a finished run, or a staged page. */
export async function lastEtlSuccess(db: Pick<Database, 'query'>): Promise<Date | null> {
  const { rows } = await db.query<{ last: Date | null }>(
    `SELECT GREATEST(
       (SELECT max(finished_at) FROM etl_execution_log WHERE status = 'succeeded'),
       (SELECT max(updated_at) FROM etl_extract_checkpoints WHERE pages > 0)) AS last`,
  );
  return rows[0]?.last ?? null;
}
