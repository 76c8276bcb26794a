import type { Database } from '../../lib/db';
import { bandSql } from '../../lib/cv/bands';

/**
 * Recomputes the OTT daily rollups of the days the merges marked dirty, from cv_merged_ott:
 * each day is replaced whole (never added to), in one transaction with clearing its mark, so
 * a retry or a crash recomputes rather than double-counts.
 */
export async function refreshOttRollups(db: Database): Promise<{ days: string[] }> {
  return db.withTransaction(async (tx) => {
    const { rows } = await tx.query<{ data_date: string }>(
      'DELETE FROM cv_ott_dirty_days RETURNING data_date::text AS data_date',
    );
    const days = rows.map((row) => row.data_date).sort();
    if (days.length === 0) return { days };
    await tx.query('DELETE FROM cv_ott_daily WHERE data_date = ANY($1::date[])', [days]);
    await tx.query(
      `INSERT INTO cv_ott_daily (data_date, band, data_name, hours, events)
       SELECT data_date, ${bandSql('time_date')}, coalesce(data_name, ''), coalesce(sum(duration), 0) / 3600.0, count(*)
       FROM cv_merged_ott WHERE data_date = ANY($1::date[])
       GROUP BY 1, 2, 3`,
      [days],
    );
    return { days };
  });
}
