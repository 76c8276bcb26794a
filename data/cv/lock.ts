import type { Database } from '../../lib/db';

export class LockBusyError extends Error {
  override readonly name = 'LockBusyError';
}

/**
 * Runs `fn` holding a session advisory lock, so two runs (a scheduled one and a forced refresh)
 * never walk or merge at the same time. The lock dies with the session: a SIGKILLed worker
 * leaves nothing held. Busy is a retryable error: the activity tries again after the other run.
 */
export async function withAdvisoryLock<T>(db: Database, name: string, fn: () => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      name,
    ]);
    if (!rows[0]?.locked) throw new LockBusyError(`another run holds the ${name} lock`);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch((error: Error) => (broken = error));
    }
  } finally {
    client.release(broken);
  }
}
