import { DateTime } from 'luxon';
import type { FieldError } from '../http/problem';

export const MAX_BACKFILL_DAYS = 366;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export interface BackfillWindow {
  start: Date;
  end: Date;
}

/**
 * Reads a backfill window: ISO instants with an offset, or dates meaning midnight in the
 * business time zone. The window must be non-empty, entirely past (a backfill replays time that
 * has happened; the schedule covers the rest) and at most a year.
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

  if (start >= end) errors.push({ field: 'body.end', message: 'must be after start' });
  if (end.toMillis() > now.getTime()) errors.push({ field: 'body.end', message: 'must not be in the future' });
  if (end.diff(start, 'days').days > MAX_BACKFILL_DAYS) {
    errors.push({ field: 'body.end', message: `must be at most ${MAX_BACKFILL_DAYS} days after start` });
  }
  return errors.length > 0 ? errors : { start: start.toJSDate(), end: end.toJSDate() };
}
