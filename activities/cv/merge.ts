import type { Database } from '../../lib/db';
import type { Category } from '../../lib/cv/categories';
import { advanceMergeWatermark, fillLateNames, insertMergedTargets, lockMergeWindow } from '../../data/cv';

export interface MergeResult {
  category: Category;
  merged: number;
  namesFilled: number;
  fromRecordId: number;
  toRecordId: number;
}

/**
 * Merges one category (the old service's UpdateData*), in one transaction with its watermark, so a retry
 * after a crash merges nothing twice. The window is (category watermark, ingest high watermark]:
 * never past the ingest watermark, because events above it may still have a gap below them.
 *
 * 1. New target events are inserted with the old service's rule: an empty `dataName` takes the name of
 *    the latest reference event (highest recordId) of the same `dataId`; a non-empty one is kept.
 * 2. Late names: targets merged earlier with an empty name take the name of the latest reference
 *    event of their `dataId` that arrived in this window. A name once set is never replaced.
 * OTT days touched by either step are queued in `cv_ott_dirty_days` for the rollups.
 */
export async function mergeCategory(db: Database, category: Category): Promise<MergeResult> {
  return db.withTransaction(async (tx) => {
    const { from, to } = await lockMergeWindow(tx, category);
    if (to <= from) return { category, merged: 0, namesFilled: 0, fromRecordId: from, toRecordId: from };
    const merged = await insertMergedTargets(tx, category, from, to);
    const namesFilled = await fillLateNames(tx, category, from, to);
    await advanceMergeWatermark(tx, category, to, { merged, namesFilled });
    return { category, merged, namesFilled, fromRecordId: from, toRecordId: to };
  });
}
