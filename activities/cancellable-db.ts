import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { PoolClient, QueryResultRow } from 'pg';
import type { Database } from '../lib/db';
import { heartbeatWhile } from './heartbeat';

/** While a cancelled transaction still runs, its statement is cancelled again this often. */
const CANCEL_REPEAT_MS = 500;

/**
 * The database as an activity's long statements use it. Every transaction (and `query`, run as
 * one) heartbeats while it runs, with `details` as its progress. When the activity is cancelled,
 * the running statement is cancelled on the server (`pg_cancel_backend`), so the transaction rolls
 * back and the activity ends cancelled: nothing is written after an operator cancelled the run,
 * and nothing half. Build it inside the activity (it reads the activity's context).
 */
export function cancellableDatabase(db: Database, details?: () => unknown): Database {
  return {
    ...db,
    withTransaction: (fn) => cancellableTransaction(db, fn, details),
    query: <R extends QueryResultRow>(text: string, params?: unknown[]) =>
      cancellableTransaction(db, (client) => client.query<R>(text, params), details),
  };
}

async function cancellableTransaction<T>(
  db: Database,
  fn: (client: PoolClient) => Promise<T>,
  details?: () => unknown,
): Promise<T> {
  const { cancellationSignal: signal } = Context.current();
  signal.throwIfAborted();
  // Which transaction to cancel: its backend and start, so a cancel that arrives late can never
  // hit another transaction that got the same pooled connection since.
  let running: { pid: number; started: string } | undefined;
  let cancelling = false;
  const cancelStatements = async () => {
    if (cancelling) return;
    cancelling = true;
    // Repeated until the transaction ends: a cancel that lands between two statements cancels
    // nothing, and the next statement must not run to its end.
    while (running) {
      await db
        .query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND xact_start = $2::timestamptz', [
          running.pid,
          running.started,
        ])
        .catch(() => undefined);
      await sleep(CANCEL_REPEAT_MS);
    }
  };
  const onAbort = () => void cancelStatements();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await heartbeatWhile(
      db.withTransaction(async (client) => {
        const { rows } = await client.query<{ pid: number; started: string }>(
          'SELECT pg_backend_pid() AS pid, now()::text AS started',
        );
        running = rows[0];
        try {
          signal.throwIfAborted();
          return await fn(client);
        } finally {
          running = undefined;
        }
      }),
      details,
    );
  } catch (error) {
    // Cancelled (the statement's "canceling statement due to user request", or the check above):
    // the transaction rolled back; report the activity's cancellation, not the SQL error.
    if (signal.aborted) throw signal.reason;
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
