import type { Database, Queryable } from '../../lib/db';

/** The platform canary's rows (`platform_canary`): its only writer, and the health check's read. */

/**
 * One row per scheduled run, keyed by its scheduled time: a second insert changes nothing. A run
 * scheduled longer than `retention` ago is not recorded (the retention would delete it again).
 */
export async function insertCanary(
  client: Queryable,
  input: { scheduledFor: string; workflowId: string; retention: string },
): Promise<boolean> {
  const inserted = await client.query(
    `INSERT INTO platform_canary (scheduled_for, workflow_id)
     SELECT $1, $2 WHERE $1::timestamptz >= now() - $3::interval
     ON CONFLICT (scheduled_for) DO NOTHING`,
    [input.scheduledFor, input.workflowId, input.retention],
  );
  return inserted.rowCount === 1;
}

/** Deletes the rows scheduled longer than `retention` (an interval) before the transaction's `now()`. */
export async function deleteOldCanaries(client: Queryable, retention: string): Promise<void> {
  await client.query(`DELETE FROM platform_canary WHERE scheduled_for < now() - $1::interval`, [retention]);
}

/** When the newest canary row was recorded; null before the first. */
export async function lastCanaryAt(db: Pick<Database, 'query'>): Promise<Date | null> {
  const { rows } = await db.query<{ last: Date | null }>('SELECT max(recorded_at) AS last FROM platform_canary');
  return rows[0]?.last ?? null;
}
