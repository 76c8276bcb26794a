import { Context } from '@temporalio/activity';
import { deleteEventsBefore } from '../../data/metrics';
import type { Database } from '../../lib/db';
import { cancellableDatabase } from '../cancellable-db';

/** Rows deleted per statement: short transactions, and progress an operator can watch. */
const EVENT_BATCH = 10_000;

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
    const deleted = await deleteEventsBefore(batches, before, EVENT_BATCH);
    total += deleted;
    context.heartbeat({ deleted: total });
    if (deleted < EVENT_BATCH) return total;
  }
}
