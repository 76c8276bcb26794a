import type { Database } from '../../lib/db';
import type { CvEvent, CvReject } from '../../lib/cv/event';

/**
 * `cv_events` and `cv_rejects`. The bulk writes of the ingest (one statement per page, `unnest` arrays)
 * are shared with the benchmark's bare loop so both measure the same SQL. Existing keys are skipped, so
 * a page stored twice changes nothing; the counts are what was really new.
 */

/** A pool, a transaction's client or the database module: anything that runs a statement. */
export interface Executor {
  query(text: string, params?: unknown[]): Promise<{ rowCount: number | null }>;
}

export async function insertEvents(db: Executor, events: readonly CvEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO cv_events (record_id, action_id, data_id, data_name, event_time, data_date, time_date,
                            duration, subscriber_id, device_id, extra)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::date[],
                          $7::time[], $8::float8[], $9::text[], $10::text[], $11::jsonb[])
     ON CONFLICT (record_id) DO NOTHING`,
    [
      events.map((e) => e.recordId),
      events.map((e) => e.actionId),
      events.map((e) => e.dataId),
      events.map((e) => e.dataName),
      events.map((e) => e.eventTime),
      events.map((e) => e.dataDate),
      events.map((e) => e.timeDate),
      events.map((e) => e.duration),
      events.map((e) => e.subscriberId),
      events.map((e) => e.deviceId),
      events.map((e) => (e.extra ? JSON.stringify(e.extra) : null)),
    ],
  );
  return result.rowCount ?? 0;
}

export async function insertRejects(db: Executor, rejects: readonly CvReject[]): Promise<number> {
  if (rejects.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO cv_rejects (reject_key, record_id, reason, raw)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])
     ON CONFLICT (reject_key) DO NOTHING`,
    [
      rejects.map((r) => r.key),
      rejects.map((r) => r.recordId),
      rejects.map((r) => r.reason),
      rejects.map((r) => r.raw),
    ],
  );
  return result.rowCount ?? 0;
}

const num = (value: bigint | null) => (value === null ? null : Number(value));

/** The newest rejects, for the API. */
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
