import type { Database } from '../../lib/db';
import { hypertableLayouts } from '../../lib/etl/timescale';
import { checkStorage, deleteOlderThan, type StorageMode } from '../../data/etl';

/**
 * Plain PostgreSQL only: deletes what TimescaleDB's retention policies would drop (rows older
 * than each layout's retention). With TimescaleDB the policies do it, and this deletes nothing.
 */
export async function applyRetention(db: Database): Promise<{ mode: StorageMode; deleted: Record<string, number> }> {
  const { mode, timescaledb } = await checkStorage(db);
  const deleted: Record<string, number> = {};
  if (timescaledb) return { mode, deleted };
  for (const layout of hypertableLayouts()) deleted[layout.table] = await deleteOlderThan(db, layout);
  return { mode, deleted };
}
