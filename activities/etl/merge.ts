import { CancelledFailure } from '@temporalio/common';
import {
  analyzeStaging,
  deleteMissing,
  deletionCounts,
  discardStaged,
  dropMergedStaging,
  loadCheckpoint,
  loggedCounts,
  lockTableMerge,
  lockWatermark,
  markRunSucceeded,
  saveWatermark,
  stagedSummary,
  upsertStaged,
  type Checkpoint,
  type MergeCounts,
} from '../../data/etl';
import type { Database } from '../../lib/db';
import { suspiciousDeletion } from '../../lib/etl/guard';
import type { TableDeclaration } from '../../lib/etl/registry';
import { mergeStatements } from '../../lib/etl/sql';
import { nextWatermark, type EtlMode, type EtlWindow } from '../../lib/etl/window';
import { InvalidInputError, StagingLostError, SuspiciousDeletionError } from '../../lib/errors';

export type { MergeCounts };

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
  return db.withTransaction(async (client) => {
    await lockTableMerge(client, table.name);
    await analyzeStaging(client, checkpoint);
    const staged = await stagedSummary(client, sql);
    if (staged.stagedRows !== checkpoint.rowsStaged) {
      // Staging is unlogged: a PostgreSQL crash emptied it after the extract finished.
      throw new StagingLostError(
        `${table.name}: staging holds ${staged.stagedRows} rows, not ${checkpoint.rowsStaged}`,
        {
          table: table.name,
          staged: staged.stagedRows,
          checkpoint: checkpoint.rowsStaged,
        },
      );
    }
    const deletions = await deletionCounts(client, sql, window);
    const reason = suspiciousDeletion({
      stagedRows: staged.stagedRows,
      targetRowsInWindow: deletions.inWindow,
      rowsToDelete: deletions.missing,
      force: mode === 'force',
    });
    if (reason) {
      throw new SuspiciousDeletionError(`${table.name}: nothing deleted: ${reason}`, {
        table: table.name,
        targetRowsInWindow: deletions.inWindow,
        rowsToDelete: deletions.missing,
      });
    }
    // Staged keys the target already has: its window rows minus those the source no longer has.
    const matchedKeys = deletions.inWindow - deletions.missing;
    const written = await upsertStaged(client, sql, staged.stagedRows, matchedKeys);
    const deleted = deletions.missing > 0 ? await deleteMissing(client, sql, window) : 0;
    const inserted = Number(written.inserted);
    const updated = Number(written.updated);
    const unchanged = written.sourceKeys - inserted - updated;
    const duplicatesDropped = checkpoint.rowsStaged - written.sourceKeys;

    const before = await lockWatermark(client, table.name);
    const after = nextWatermark(mode, before, staged.loadedMax);
    await saveWatermark(client, { table: table.name, watermark: after, runId });
    await markRunSucceeded(client, {
      runId,
      pages: checkpoint.pages,
      rowsExtracted: checkpoint.rowsStaged,
      rowsRejected: checkpoint.rowsRejected,
      inserted,
      updated,
      unchanged,
      deleted,
      watermarkBefore: before,
      watermarkAfter: after,
      schemaNotes: input.addedColumns?.length ? `new upstream columns: ${input.addedColumns.join(', ')}` : null,
      duplicatesDropped,
    });
    await dropMergedStaging(client, checkpoint);
    // The last moment a cancellation can still leave the target as it was.
    if (signal.aborted) throw new CancelledFailure('merge cancelled');
    return { inserted, updated, unchanged, deleted, duplicatesDropped, watermark: after };
  });
}
