import type { Database } from '../../lib/db';
import { CATEGORIES, type Category } from '../../lib/cv/categories';

/** The CV status for the API: small queries over the state rows and rollups, never over the events. */

const num = (value: bigint | null) => (value === null ? null : Number(value));
const iso = (value: Date | null) => value?.toISOString() ?? null;

export async function readCvState(db: Database) {
  const [ingest, merges, rollups] = await Promise.all([
    db.query('SELECT * FROM cv_ingest_state'),
    db.query('SELECT * FROM cv_merge_watermarks ORDER BY category'),
    db.query(`SELECT (SELECT count(DISTINCT data_date) FROM cv_ott_daily) AS days, (SELECT min(data_date)::text FROM cv_ott_daily) AS first,
                     (SELECT max(data_date)::text FROM cv_ott_daily) AS last, (SELECT count(*) FROM cv_ott_dirty_days) AS pending`),
  ]);
  const s = ingest.rows[0]!;
  const r = rollups.rows[0]!;
  return {
    ingest: {
      highWatermark: Number(s.high_watermark),
      loadInProgress:
        s.segment_top === null
          ? null
          : {
              top: Number(s.segment_top),
              floor: Number(s.segment_floor),
              low: num(s.segment_low),
              nextOffset: Number(s.segment_next_offset),
            },
      eventsStored: Number(s.events_stored),
      eventsRejected: Number(s.events_rejected),
      lastLoadStartedAt: iso(s.last_load_started_at),
      lastLoadFinishedAt: iso(s.last_load_finished_at),
    },
    merges: merges.rows.map((row) => ({
      category: row.category as string,
      table: CATEGORIES[row.category as Category].seedTable,
      watermark: Number(row.last_record_id),
      merged: Number(row.merged_total),
      namesFilled: Number(row.names_filled_total),
      updatedAt: (row.updated_at as Date).toISOString(),
    })),
    ottRollups: {
      days: Number(r.days),
      firstDate: r.first as string | null,
      lastDate: r.last as string | null,
      pendingDays: Number(r.pending),
    },
  };
}
