import { DateTime } from 'luxon';

/**
 * Window arithmetic of the metric batches. Days are local days of `PIPELINES_TZ`: a day with a
 * daylight-saving change is 23 or 25 hours long, and its window says so. Pure: safe in workflows.
 */

/** A half-open window of instants, `[inicio, fin)`, as ISO-8601 UTC strings. */
export interface Period {
  inicio: string;
  fin: string;
}

/** A week and the 7 days before it, for week-over-week comparisons. */
export interface WeekPeriod extends Period {
  previoInicio: string;
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Local midnight starting `date`, in `timeZone`; where midnight does not exist, the first instant after. */
function startOfLocalDay(date: string, timeZone: string): DateTime {
  const day = DateTime.fromISO(date, { zone: timeZone });
  if (!DATE_PATTERN.test(date) || !day.isValid) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  return day.startOf('day');
}

const iso = (instant: DateTime) => instant.toUTC().toISO() as string;

/** Whether `date` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(date: string): boolean {
  return DATE_PATTERN.test(date) && DateTime.fromISO(date, { zone: 'UTC' }).isValid;
}

/** The local day `fecha`: `[fecha 00:00, next day 00:00)`. */
export function dayPeriod(fecha: string, timeZone: string): Period {
  const start = startOfLocalDay(fecha, timeZone);
  return { inicio: iso(start), fin: iso(start.plus({ days: 1 }).startOf('day')) };
}

/** The 7 local days ending `fechaFin` (inclusive), and the 7 days before them. */
export function weekPeriod(fechaFin: string, timeZone: string): WeekPeriod {
  const end = startOfLocalDay(fechaFin, timeZone).plus({ days: 1 }).startOf('day');
  const start = end.minus({ days: 7 }).startOf('day');
  return { inicio: iso(start), fin: iso(end), previoInicio: iso(start.minus({ days: 7 }).startOf('day')) };
}

/** The local date of `instant`, shifted by `days`. */
export function localDateOf(instant: Date, timeZone: string, days = 0): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).plus({ days }).toISODate() as string;
}

/** The day a daily run at `instant` computes: the previous local day. */
export function dailyDateFor(instant: Date, timeZone: string): string {
  return localDateOf(instant, timeZone, -1);
}

/** The week a weekly run at `instant` computes: the one ending the last Sunday before its local day. */
export function weeklyEndFor(instant: Date, timeZone: string): string {
  const weekday = DateTime.fromJSDate(instant, { zone: timeZone }).weekday; // 1 = Monday … 7 = Sunday
  return localDateOf(instant, timeZone, -weekday);
}
