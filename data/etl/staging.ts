import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import type { Database, Queryable } from '../../lib/db';
import type { TableDeclaration } from '../../lib/etl/registry';
import { copyLine } from '../../lib/etl/encode';
import { copyStatement, ident, insertStatement, STAGING_SCHEMA, stagingDdl } from '../../lib/etl/sql';
import type { EtlWindow } from '../../lib/etl/window';

/**
 * A run's staging: its extraction checkpoint (`etl_extract_checkpoints`), its staging table in
 * `etl_staging` and its rejected rows (`etl_rejects`). The only writer of the three.
 */

/** A run's extraction checkpoint (schemas/0004_etl.sql). */
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

const stagingOf = (stagingTable: string) => `${STAGING_SCHEMA}.${ident(stagingTable)}`;

/** The run's staging table and its checkpoint, in the caller's transaction; a second call changes nothing. */
export async function createStaging(
  client: Queryable,
  input: { runId: string; table: TableDeclaration; stagingTable: string; window: EtlWindow },
): Promise<void> {
  const { runId, table, stagingTable, window } = input;
  await client.query(stagingDdl(table, stagingTable));
  await client.query(
    `INSERT INTO etl_extract_checkpoints (run_id, table_name, staging_table, window_from, window_to)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id) DO NOTHING`,
    [runId, table.name, stagingTable, window.from, window.to],
  );
}

/** The BigQuery job the run pages through; paging starts again at its first page. */
export async function saveCheckpointJob(
  db: Pick<Database, 'query'>,
  runId: string,
  job: { id: string | null; location: string | null },
): Promise<void> {
  await db.query(
    'UPDATE etl_extract_checkpoints SET bq_job_id = $2, bq_location = $3, page_token = NULL, updated_at = now() WHERE run_id = $1',
    [runId, job.id, job.location],
  );
}

/** Rows in a run's staging table (what its checkpoint's `rowsStaged` must match). */
export async function stagedRowCount(db: Pick<Database, 'query'>, checkpoint: Checkpoint): Promise<number> {
  const { rows } = await db.query(`SELECT count(*) AS n FROM ${stagingOf(checkpoint.stagingTable)}`);
  return Number(rows[0]!.n);
}

/** Empties staging, its rejects and the checkpoint's progress: the window is extracted from scratch. */
export async function discardStaged(db: Database, checkpoint: Checkpoint): Promise<Checkpoint> {
  await db.withTransaction(async (client) => {
    await client.query(`TRUNCATE ${stagingOf(checkpoint.stagingTable)}`);
    await client.query('DELETE FROM etl_rejects WHERE run_id = $1', [checkpoint.runId]);
    await client.query(
      `UPDATE etl_extract_checkpoints SET bq_job_id = NULL, bq_location = NULL, page_token = NULL, pages = 0,
         rows_staged = 0, rows_rejected = 0, done = false, updated_at = now() WHERE run_id = $1`,
      [checkpoint.runId],
    );
  });
  return {
    ...checkpoint,
    jobId: null,
    location: null,
    pageToken: null,
    pages: 0,
    rowsStaged: 0,
    rowsRejected: 0,
    done: false,
  };
}

export interface StagedPage {
  /** ETL_STAGING_WRITE: COPY, or one INSERT per page where the server has no COPY FROM STDIN. */
  stagingWrite: 'copy' | 'insert';
  table: TableDeclaration;
  checkpoint: Checkpoint;
  /** Encoded rows: each value as PostgreSQL's text input. */
  values: (string | null)[][];
  rejects: { reason: string; raw: Record<string, unknown> }[];
  /** null: this was the last page. */
  nextToken: string | null;
}

/** One page, in the caller's transaction: its rows, its rejects, and the checkpoint moved past it. */
export async function writeStagedPage(client: pg.PoolClient, page: StagedPage): Promise<void> {
  const { stagingWrite, table, checkpoint, values, rejects, nextToken } = page;
  // A page that is not the last need not wait for the WAL flush: a PostgreSQL crash that loses
  // its commit also empties the unlogged staging, and the row-count check then starts over. The
  // last page (done) commits durably before the extract reports completion.
  if (nextToken !== null) await client.query('SET LOCAL synchronous_commit = off');
  if (values.length > 0 && stagingWrite === 'copy') {
    await pipeline(
      Readable.from([values.map(copyLine).join('')]),
      client.query(copyFrom(copyStatement(table, checkpoint.stagingTable))),
    );
  } else if (values.length > 0) {
    // Text values with their column names: PostgreSQL parses each with its type's input function.
    const records = values.map((row) => Object.fromEntries(table.columns.map((c, i) => [c.name, row[i]])));
    await client.query(insertStatement(table, checkpoint.stagingTable), [JSON.stringify(records)]);
  }
  if (rejects.length > 0) {
    await client.query(
      `INSERT INTO etl_rejects (run_id, table_name, reason, raw)
       SELECT $1, $2, r.reason, r.raw FROM jsonb_to_recordset($3::jsonb) AS r(reason text, raw jsonb)`,
      [checkpoint.runId, table.name, JSON.stringify(rejects)],
    );
  }
  await client.query(
    `UPDATE etl_extract_checkpoints SET page_token = $2, pages = pages + 1, rows_staged = rows_staged + $3,
       rows_rejected = rows_rejected + $4, done = $5, updated_at = now() WHERE run_id = $1`,
    [checkpoint.runId, nextToken, values.length, rejects.length, nextToken === null],
  );
}

/** Freshly filled: without statistics the planner may not choose hash joins against it. */
export async function analyzeStaging(client: Queryable, checkpoint: Checkpoint): Promise<void> {
  await client.query(`ANALYZE ${stagingOf(checkpoint.stagingTable)}`);
}

/** After the merge, in its transaction: the staging table and the checkpoint go. */
export async function dropMergedStaging(client: Queryable, checkpoint: Checkpoint): Promise<void> {
  await client.query(`DROP TABLE ${stagingOf(checkpoint.stagingTable)}`);
  await client.query('DELETE FROM etl_extract_checkpoints WHERE run_id = $1', [checkpoint.runId]);
}

/** A run that ends without merging, in the caller's transaction: its checkpoint and staging go. */
export async function dropRunStaging(client: Queryable, runId: string): Promise<void> {
  const { rows } = await client.query<{ staging_table: string }>(
    'DELETE FROM etl_extract_checkpoints WHERE run_id = $1 RETURNING staging_table',
    [runId],
  );
  for (const row of rows) await client.query(`DROP TABLE IF EXISTS ${stagingOf(row.staging_table)}`);
}

/** Drops the staging tables no checkpoint names (left by runs that were abandoned); answers their names. */
export async function dropOrphanStaging(db: Pick<Database, 'query'>): Promise<string[]> {
  const orphans = await db.query<{ name: string }>(
    `SELECT t.table_name AS name FROM information_schema.tables t
     WHERE t.table_schema = $1 AND NOT EXISTS (SELECT 1 FROM etl_extract_checkpoints c WHERE c.staging_table = t.table_name)`,
    [STAGING_SCHEMA],
  );
  for (const orphan of orphans.rows) await db.query(`DROP TABLE IF EXISTS ${stagingOf(orphan.name)}`);
  return orphans.rows.map((row) => row.name);
}
