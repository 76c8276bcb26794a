import { CancelledFailure } from '@temporalio/common';
import type { Database, Queryable } from '../../lib/db';
import { suspiciousDeletion } from '../../lib/etl/guard';
import type { TableDeclaration } from '../../lib/etl/registry';
import { ident, mergeStatements, STAGING_SCHEMA, type MergeStatements } from '../../lib/etl/sql';
import { nextWatermark, type EtlMode, type EtlWindow } from '../../lib/etl/window';
import { InvalidInputError, StagingLostError, SuspiciousDeletionError } from '../../lib/errors';
import { loadCheckpoint, type Checkpoint } from './checkpoint';
import { discardStaged } from './extract';

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Staged rows whose key repeated another staged row's: one row per key is loaded. */
  duplicatesDropped: number;
  watermark: string | null;
}

export interface MergeStagingInput {
  runId: string;
  table: TableDeclaration;
  mode: EtlMode;
  window: EtlWindow;
  addedColumns?: string[];
}

/**
 * Merges a run's staging table into the target in one transaction: upsert of the rows that
 * changed, deletion of the window's rows the source no longer has, the watermark, the log row
 * (`succeeded` with its counts), and the staging table dropped. A crash leaves the old state or
 * the new one. A retry after the commit finds the run logged and answers its counts. A staging
 * table that lost its rows (unlogged, emptied by a PostgreSQL crash) fails with StagingLost.
 */
export async function mergeStaging(db: Database, signal: AbortSignal, input: MergeStagingInput): Promise<MergeCounts> {
  const { runId } = input;
  const checkpoint = await loadCheckpoint(db, runId);
  if (!checkpoint) {
    const logged = await loggedCounts(db, runId);
    if (logged) return logged;
    throw new InvalidInputError(`run ${runId} has nothing staged`);
  }
  if (!checkpoint.done) throw new InvalidInputError(`run ${runId} has not finished extracting`);

  try {
    return await mergeInTransaction(db, signal, input, checkpoint);
  } catch (error) {
    // After the rollback: the next extract starts the window over.
    if (error instanceof StagingLostError) await discardStaged(db, checkpoint);
    throw error;
  }
}

async function mergeInTransaction(
  db: Database,
  signal: AbortSignal,
  input: MergeStagingInput,
  checkpoint: Checkpoint,
): Promise<MergeCounts> {
  const { runId, table, mode, window } = input;
  const sql = mergeStatements(table, checkpoint.stagingTable);
  const bounds = [window.from, window.to];
  return db.withTransaction(async (client) => {
    // One merge per table at a time (a scheduled run and a forced one may overlap).
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`etl:${table.name}`]);
    // Freshly filled: without statistics the planner may not choose hash joins against it.
    await client.query(`ANALYZE ${STAGING_SCHEMA}.${ident(checkpoint.stagingTable)}`);
    const staged = (await client.query(sql.stagedSummary)).rows[0]!;
    if (Number(staged.staged_rows) !== checkpoint.rowsStaged) {
      // Staging is unlogged: a PostgreSQL crash emptied it after the extract finished.
      throw new StagingLostError(
        `${table.name}: staging holds ${staged.staged_rows} rows, not ${checkpoint.rowsStaged}`,
        {
          table: table.name,
          staged: Number(staged.staged_rows),
          checkpoint: checkpoint.rowsStaged,
        },
      );
    }
    const deletions = (await client.query(sql.deletionCounts, bounds)).rows[0]!;
    const reason = suspiciousDeletion({
      stagedRows: Number(staged.staged_rows),
      targetRowsInWindow: Number(deletions.in_window),
      rowsToDelete: Number(deletions.missing),
      force: mode === 'force',
    });
    if (reason) {
      throw new SuspiciousDeletionError(`${table.name}: nothing deleted: ${reason}`, {
        table: table.name,
        targetRowsInWindow: Number(deletions.in_window),
        rowsToDelete: Number(deletions.missing),
      });
    }
    // Staged keys the target already has: its window rows minus those the source no longer has.
    const matchedKeys = Number(deletions.in_window) - Number(deletions.missing);
    const written = await upsertStaged(client, sql, Number(staged.staged_rows), matchedKeys);
    const deleted = Number(deletions.missing) > 0 ? ((await client.query(sql.deleteMissing, bounds)).rowCount ?? 0) : 0;
    const inserted = Number(written.inserted);
    const updated = Number(written.updated);
    const unchanged = written.sourceKeys - inserted - updated;
    const duplicatesDropped = checkpoint.rowsStaged - written.sourceKeys;

    const previous = await client.query<{ watermark: string | null }>(
      'SELECT watermark::text FROM etl_watermarks WHERE table_name = $1 FOR UPDATE',
      [table.name],
    );
    const before = previous.rows[0]?.watermark ?? null;
    const after = nextWatermark(mode, before, staged.loaded_max as string | null);
    await client.query(
      `INSERT INTO etl_watermarks (table_name, watermark, last_run_id, last_success_at, updated_at)
       VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (table_name) DO UPDATE SET watermark = $2, last_run_id = $3, last_success_at = now(), updated_at = now()`,
      [table.name, after, runId],
    );
    await client.query(
      `UPDATE etl_execution_log SET status = 'succeeded', finished_at = now(), pages = $2, rows_extracted = $3,
         rows_rejected = $4, inserted = $5, updated = $6, unchanged = $7, deleted = $8, watermark_before = $9,
         watermark_after = $10, schema_notes = $11, duplicates_dropped = $12 WHERE run_id = $1`,
      [
        runId,
        checkpoint.pages,
        checkpoint.rowsStaged,
        checkpoint.rowsRejected,
        inserted,
        updated,
        unchanged,
        deleted,
        before,
        after,
        input.addedColumns?.length ? `new upstream columns: ${input.addedColumns.join(', ')}` : null,
        duplicatesDropped,
      ],
    );
    await client.query(`DROP TABLE ${STAGING_SCHEMA}.${ident(checkpoint.stagingTable)}`);
    await client.query('DELETE FROM etl_extract_checkpoints WHERE run_id = $1', [runId]);
    // The last moment a cancellation can still leave the target as it was.
    if (signal.aborted) throw new CancelledFailure('merge cancelled');
    return { inserted, updated, unchanged, deleted, duplicatesDropped, watermark: after };
  });
}

/**
 * Staged rows rarely repeat a key (BigQuery enforces no key): upsert them as they are, and only
 * when a key repeats sort them to keep one row per key. A repeat is seen two ways: PostgreSQL
 * refuses to write one row twice in a command (21000), or — when all but one of the repeats
 * equal the target row, so that only one writes — the distinct keys (those the target had plus
 * those inserted) fall short of the staged rows. Either attempt is rolled back to a savepoint.
 */
async function upsertStaged(client: Queryable, sql: MergeStatements, stagedRows: number, matchedKeys: number) {
  await client.query('SAVEPOINT etl_upsert');
  try {
    const { rows } = await client.query(sql.upsert);
    const inserted = Number(rows[0]!.inserted);
    if (matchedKeys + inserted === stagedRows)
      return { inserted, updated: Number(rows[0]!.updated), sourceKeys: stagedRows };
  } catch (error) {
    if ((error as { code?: string }).code !== '21000') throw error;
  }
  await client.query('ROLLBACK TO SAVEPOINT etl_upsert');
  const { rows } = await client.query(sql.upsertDeduplicated);
  return {
    inserted: Number(rows[0]!.inserted),
    updated: Number(rows[0]!.updated),
    sourceKeys: Number(rows[0]!.source_keys),
  };
}

async function loggedCounts(db: Database, runId: string): Promise<MergeCounts | null> {
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
