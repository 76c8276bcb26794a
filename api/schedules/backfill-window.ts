import { DateTime } from 'luxon';
import { BACKFILL_LAG_MS } from '../../lib/families';
import type { FieldError } from '../http/problem';
import { EARLIEST_DATE } from '../http/schemas';

export const MAX_BACKFILL_DAYS = 366;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export interface BackfillWindow {
  start: Date;
  end: Date;
}

/**
 * Reads a backfill window `[start, end)`: ISO instants with an offset, or dates meaning midnight
 * in the business time zone. The window must be non-empty, start no earlier than EARLIEST_DATE,
 * span at most a year and end at least an hour ago: a run that starts less late than that is a
 * catch-up to its workflow, tagged `schedule` (`tagRun`), so a backfill never replays the last
 * hour (trigger the schedule for that).
 */
export function parseBackfillWindow(
  input: { start: string; end: string },
  { now, timeZone }: { now: Date; timeZone: string },
): BackfillWindow | FieldError[] {
  const read = (value: string) =>
    DATE_ONLY.test(value) ? DateTime.fromISO(value, { zone: timeZone }).startOf('day') : DateTime.fromISO(value);
  const start = read(input.start);
  const end = read(input.end);
  const errors: FieldError[] = [];
  if (!start.isValid) errors.push({ field: 'body.start', message: 'is not a valid date or instant' });
  if (!end.isValid) errors.push({ field: 'body.end', message: 'is not a valid date or instant' });
  if (errors.length > 0) return errors;

  if (start < DateTime.fromISO(EARLIEST_DATE, { zone: timeZone })) {
    errors.push({ field: 'body.start', message: `must not be before ${EARLIEST_DATE}` });
  }
  if (start >= end) errors.push({ field: 'body.end', message: 'must be after start' });
  if (end.toMillis() > now.getTime() - BACKFILL_LAG_MS) {
    errors.push({ field: 'body.end', message: `must be at least ${BACKFILL_LAG_MS / 60_000} minutes ago` });
  }
  if (end.diff(start, 'days').days > MAX_BACKFILL_DAYS) {
    errors.push({ field: 'body.end', message: `must be at most ${MAX_BACKFILL_DAYS} days after start` });
  }
  return errors.length > 0 ? errors : { start: start.toJSDate(), end: end.toJSDate() };
}
