import type { Database } from '../../lib/db';

/** The source events (`eventos`): the metrics family deletes the old ones. */

/** Deletes up to `limit` of the oldest `eventos` that occurred before `before`; answers how many. */
export async function deleteEventsBefore(db: Pick<Database, 'query'>, before: string, limit: number): Promise<number> {
  const batch = await db.query(
    `DELETE FROM eventos WHERE id IN (
       SELECT id FROM eventos WHERE ocurrido_en < $1 ORDER BY ocurrido_en LIMIT $2)`,
    [before, limit],
  );
  return batch.rowCount ?? 0;
}
