import type { PoolClient } from 'pg';
import { CATEGORIES, type Category } from '../../lib/cv/categories';

/**
 * The merges' statements: `cv_merge_watermarks` and the six `cv_merged_*` tables, plus the OTT days they
 * mark dirty in `cv_ott_dirty_days`. All run in the merge's one transaction.
 */

/** Holds the category's watermark row; its window is (last merged, ingest high watermark]. */
export async function lockMergeWindow(tx: PoolClient, category: Category): Promise<{ from: number; to: number }> {
  const { rows } = await tx.query<{ last_record_id: bigint; high_watermark: bigint }>(
    `SELECT w.last_record_id, s.high_watermark FROM cv_merge_watermarks w, cv_ingest_state s
       WHERE w.category = $1 FOR UPDATE OF w`,
    [category],
  );
  const row = rows[0];
  if (!row) throw new Error(`no merge watermark row for ${category}`);
  return { from: Number(row.last_record_id), to: Number(row.high_watermark) };
}

/** OTT days touched by a statement's rows are queued for the rollups, in the same statement. */
const dirty = (category: Category, cte: string) =>
  category === 'ott'
    ? `INSERT INTO cv_ott_dirty_days (data_date) SELECT DISTINCT data_date FROM ${cte} ON CONFLICT DO NOTHING`
    : 'SELECT 1';

/**
 * Inserts the window's target events with the old service's rule: an empty `dataName` takes the name of the
 * latest reference event (highest recordId) of the same `dataId`; a non-empty one is kept.
 */
export async function insertMergedTargets(tx: PoolClient, category: Category, from: number, to: number) {
  const { table, targetActionId, referenceActionId } = CATEGORIES[category];
  const inserted = await tx.query<{ n: bigint }>(
    `WITH inserted AS (
         INSERT INTO ${table} (record_id, action_id, data_id, data_name, name_from_record_id, event_time, data_date,
                               time_date, duration, subscriber_id, device_id)
         SELECT e.record_id, e.action_id, e.data_id,
                CASE WHEN coalesce(e.data_name, '') = '' AND coalesce(r.data_name, '') <> '' THEN r.data_name ELSE e.data_name END,
                CASE WHEN coalesce(e.data_name, '') = '' AND coalesce(r.data_name, '') <> '' THEN r.record_id END,
                e.event_time, e.data_date, e.time_date, e.duration, e.subscriber_id, e.device_id
         FROM cv_events e
         LEFT JOIN LATERAL (
           SELECT ref.record_id, ref.data_name FROM cv_events ref
           WHERE ref.action_id = $4 AND ref.data_id = e.data_id AND ref.record_id <= $2
           ORDER BY ref.record_id DESC LIMIT 1
         ) r ON true
         WHERE e.action_id = $3 AND e.record_id > $1 AND e.record_id <= $2
         ON CONFLICT (record_id) DO NOTHING
         RETURNING data_date
       ), dirty AS (${dirty(category, 'inserted')})
       SELECT count(*) AS n FROM inserted`,
    [from, to, targetActionId, referenceActionId],
  );
  return Number(inserted.rows[0]?.n ?? 0);
}

/**
 * Late names: targets merged earlier with an empty name take the name of the latest reference event of
 * their `dataId` that arrived in the window. A name once set is never replaced.
 */
export async function fillLateNames(tx: PoolClient, category: Category, from: number, to: number) {
  const { table, referenceActionId } = CATEGORIES[category];
  const filled = await tx.query<{ n: bigint }>(
    `WITH latest AS (
         SELECT DISTINCT ON (data_id) data_id, data_name, record_id FROM cv_events
         WHERE action_id = $3 AND record_id > $1 AND record_id <= $2
         ORDER BY data_id, record_id DESC
       ), filled AS (
         UPDATE ${table} m SET data_name = latest.data_name, name_from_record_id = latest.record_id
         FROM latest
         WHERE m.data_id = latest.data_id AND m.record_id <= $1
           AND coalesce(m.data_name, '') = '' AND coalesce(latest.data_name, '') <> ''
         RETURNING m.data_date
       ), dirty AS (${dirty(category, 'filled')})
       SELECT count(*) AS n FROM filled`,
    [from, to, referenceActionId],
  );
  return Number(filled.rows[0]?.n ?? 0);
}

export async function advanceMergeWatermark(
  tx: PoolClient,
  category: Category,
  to: number,
  counts: { merged: number; namesFilled: number },
): Promise<void> {
  await tx.query(
    `UPDATE cv_merge_watermarks SET last_record_id = $2, merged_total = merged_total + $3,
         names_filled_total = names_filled_total + $4, updated_at = now() WHERE category = $1`,
    [category, to, counts.merged, counts.namesFilled],
  );
}
