import { DateTime } from 'luxon';

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. Pure: safe in workflows. */
export function localDate(instant: Date, timeZone: string): string {
  const date = DateTime.fromJSDate(instant, { zone: timeZone }).toISODate();
  if (date === null) throw new RangeError(`invalid instant or time zone: ${String(instant)} in ${timeZone}`);
  return date;
}
