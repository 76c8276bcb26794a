import type { PoolClient } from 'pg';
import type { Database } from '../../lib/db';
import type { OttRollupRow } from '../../lib/cv/analytics';
import { bandSql, type Band } from '../../lib/cv/bands';

/** `cv_ott_daily` (local date × band × dataName) and the days queued for it in `cv_ott_dirty_days`. */

/** Clears the queued days and returns them, oldest first (the caller's transaction recomputes them). */
export async function takeDirtyOttDays(tx: PoolClient): Promise<string[]> {
  const { rows } = await tx.query<{ data_date: string }>(
    'DELETE FROM cv_ott_dirty_days RETURNING data_date::text AS data_date',
  );
  return rows.map((row) => row.data_date).sort();
}

/** Replaces those days' rollups whole (never adds to them) from cv_merged_ott. */
export async function replaceOttDays(tx: PoolClient, days: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM cv_ott_daily WHERE data_date = ANY($1::date[])', [days]);
  await tx.query(
    `INSERT INTO cv_ott_daily (data_date, band, data_name, hours, events)
       SELECT data_date, ${bandSql('time_date')}, coalesce(data_name, ''), coalesce(sum(duration), 0) / 3600.0, count(*)
       FROM cv_merged_ott WHERE data_date = ANY($1::date[])
       GROUP BY 1, 2, 3`,
    [days],
  );
}

/** The rollups summed over the window: one row per band × dataName (a few hundred rows whatever the volume). */
export async function readOttRollups(db: Database, from: string | null): Promise<OttRollupRow[]> {
  const { rows } = await db.query<{ band: Band; data_name: string; hours: number; events: bigint }>(
    `SELECT band, data_name, sum(hours) AS hours, sum(events)::bigint AS events FROM cv_ott_daily
     WHERE $1::date IS NULL OR data_date >= $1::date GROUP BY band, data_name`,
    [from],
  );
  return rows.map((row) => ({
    band: row.band,
    dataName: row.data_name,
    hours: Number(row.hours),
    events: Number(row.events),
  }));
}
