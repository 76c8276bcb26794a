import { DateTime } from 'luxon';
import type { Database } from '../../lib/db';
import type { Band } from '../../lib/cv/bands';
import { CATEGORIES, type Category } from '../../lib/cv/categories';
import type { OttRollupRow } from '../../lib/cv/analytics';

/** The CV family's reads for the API: small queries over state rows and rollups, never over the events. */

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

export async function readCvRejects(db: Database, limit: number) {
  const { rows } = await db.query(
    'SELECT reject_key, record_id, reason, raw, rejected_at FROM cv_rejects ORDER BY rejected_at DESC, reject_key LIMIT $1',
    [limit],
  );
  return rows.map((row) => ({
    key: row.reject_key as string,
    recordId: num(row.record_id as bigint | null),
    reason: row.reason as string,
    raw: row.raw as string,
    rejectedAt: (row.rejected_at as Date).toISOString(),
  }));
}

/** First local date of "the last N days" (today included), or null for all data when N <= 0. */
export function windowStart(days: number, now: Date, timeZone: string): string | null {
  if (days <= 0) return null;
  return DateTime.fromJSDate(now, { zone: timeZone })
    .startOf('day')
    .minus({ days: days - 1 })
    .toISODate();
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
