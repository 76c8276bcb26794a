import type { Database } from '../../lib/db';
import { replaceOttDays, takeDirtyOttDays } from '../../data/cv';

/**
 * Recomputes the OTT daily rollups of the days the merges marked dirty, from cv_merged_ott:
 * each day is replaced whole (never added to), in one transaction with clearing its mark, so
 * a retry or a crash recomputes rather than double-counts.
 */
export async function refreshOttRollups(db: Database): Promise<{ days: string[] }> {
  return db.withTransaction(async (tx) => {
    const days = await takeDirtyOttDays(tx);
    if (days.length === 0) return { days };
    await replaceOttDays(tx, days);
    return { days };
  });
}
