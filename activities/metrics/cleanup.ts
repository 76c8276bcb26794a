import { Context } from '@temporalio/activity';
import type { Database } from '../../lib/db';
import { cancellableDatabase } from '../cancellable-db';

/** Rows deleted per statement: short transactions, and progress an operator can watch. */
const EVENT_BATCH = 10_000;

/** Deletes the metric rows whose `expira_en` is before `asOf` (one statement: all or nothing). */
export async function deleteExpiredMetrics(db: Database, asOf: string): Promise<number> {
  const deleted = await db.query('DELETE FROM metricas_calculadas WHERE expira_en < $1', [asOf]);
  return deleted.rowCount ?? 0;
}

/**
 * Deletes `eventos` that occurred before `before`, a batch per transaction, heartbeating the
 * running total. A retry resumes where the batches stopped and continues the total from the
 * last heartbeat (deleting is idempotent: what is gone is not found again). Cancelled, it stops
 * within the running batch, which rolls back; the batches before it stay deleted.
 */
export async function deleteOldEvents(db: Database, before: string): Promise<number> {
  const context = Context.current();
  let total = Number((context.info.heartbeatDetails as { deleted?: number } | undefined)?.deleted ?? 0);
  const batches = cancellableDatabase(db, () => ({ deleted: total }));
  for (;;) {
    const batch = await batches.query(
      `DELETE FROM eventos WHERE id IN (
         SELECT id FROM eventos WHERE ocurrido_en < $1 ORDER BY ocurrido_en LIMIT $2)`,
      [before, EVENT_BATCH],
    );
    const deleted = batch.rowCount ?? 0;
    total += deleted;
    context.heartbeat({ deleted: total });
    if (deleted < EVENT_BATCH) return total;
  }
}
