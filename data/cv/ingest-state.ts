import type { Queryable } from '../../lib/db';
import type { Segment } from '../../lib/cv/ingest-walk';

/** The ingest's one-row state (`cv_ingest_state`, see schemas/0003_cv.sql). */
export interface IngestState {
  highWatermark: number;
  segment: Segment | null;
  eventsStored: number;
  eventsRejected: number;
  lastLoadStartedAt: string | null;
  lastLoadFinishedAt: string | null;
}

interface StateRow {
  high_watermark: bigint;
  segment_top: bigint | null;
  segment_floor: bigint | null;
  segment_low: bigint | null;
  segment_next_offset: bigint | null;
  segment_total: bigint | null;
  events_stored: bigint;
  events_rejected: bigint;
  last_load_started_at: Date | null;
  last_load_finished_at: Date | null;
}

const num = (value: bigint | null) => (value === null ? null : Number(value));

export async function loadIngestState(db: Queryable): Promise<IngestState> {
  const { rows } = await db.query<StateRow>('SELECT * FROM cv_ingest_state');
  const row = rows[0];
  if (!row) throw new Error('cv_ingest_state has no row: are the migrations applied?');
  const segment =
    row.segment_top === null
      ? null
      : {
          top: Number(row.segment_top),
          floor: Number(row.segment_floor),
          low: num(row.segment_low),
          nextOffset: Number(row.segment_next_offset),
          total: Number(row.segment_total),
        };
  return {
    highWatermark: Number(row.high_watermark),
    segment,
    eventsStored: Number(row.events_stored),
    eventsRejected: Number(row.events_rejected),
    lastLoadStartedAt: row.last_load_started_at?.toISOString() ?? null,
    lastLoadFinishedAt: row.last_load_finished_at?.toISOString() ?? null,
  };
}

/**
 * Commits a page's checkpoint, in the transaction that stored its rows: the segment while the
 * load goes on; when it is done, the watermark moves to the segment's top and the segment clears.
 */
export async function saveCheckpoint(
  db: Queryable,
  segment: Segment,
  done: boolean,
  counts: { stored: number; rejected: number },
): Promise<void> {
  if (done) {
    await db.query(
      `UPDATE cv_ingest_state SET high_watermark = greatest(high_watermark, $1), segment_top = NULL, segment_floor = NULL,
         segment_low = NULL, segment_next_offset = NULL, segment_total = NULL,
         events_stored = events_stored + $2, events_rejected = events_rejected + $3,
         last_load_started_at = CASE WHEN segment_top IS NULL THEN now() ELSE last_load_started_at END,
         last_load_finished_at = now(), updated_at = now()`,
      [segment.top, counts.stored, counts.rejected],
    );
    return;
  }
  await db.query(
    `UPDATE cv_ingest_state SET segment_top = $1, segment_floor = $2, segment_low = $3, segment_next_offset = $4,
       segment_total = $5, events_stored = events_stored + $6, events_rejected = events_rejected + $7,
       last_load_started_at = CASE WHEN segment_top IS NULL THEN now() ELSE last_load_started_at END, updated_at = now()`,
    [segment.top, segment.floor, segment.low, segment.nextOffset, segment.total, counts.stored, counts.rejected],
  );
}
