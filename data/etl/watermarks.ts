import type { Database, Queryable } from '../../lib/db';

/** Each table's watermark (`etl_watermarks`): its only writer. */

export async function readWatermark(db: Pick<Database, 'query'>, table: string): Promise<string | null> {
  const { rows } = await db.query<{ watermark: string | null }>(
    'SELECT watermark::text FROM etl_watermarks WHERE table_name = $1',
    [table],
  );
  return rows[0]?.watermark ?? null;
}

/** The watermark as it is, locked until the merge's transaction ends. */
export async function lockWatermark(client: Queryable, table: string): Promise<string | null> {
  const { rows } = await client.query<{ watermark: string | null }>(
    'SELECT watermark::text FROM etl_watermarks WHERE table_name = $1 FOR UPDATE',
    [table],
  );
  return rows[0]?.watermark ?? null;
}

export async function saveWatermark(
  client: Queryable,
  input: { table: string; watermark: string | null; runId: string },
): Promise<void> {
  await client.query(
    `INSERT INTO etl_watermarks (table_name, watermark, last_run_id, last_success_at, updated_at)
     VALUES ($1, $2, $3, now(), now())
     ON CONFLICT (table_name) DO UPDATE SET watermark = $2, last_run_id = $3, last_success_at = now(), updated_at = now()`,
    [input.table, input.watermark, input.runId],
  );
}
