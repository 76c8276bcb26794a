/**
 * Hostile dates, date-times, UTC offsets and page cursors for the fuzz test: values a loose
 * validator lets through to PostgreSQL, which then refuses them (`date/time field value out of
 * range`, `time zone displacement out of range`). Pure: which fields get them is read from the
 * OpenAPI schema alone.
 */

export interface TemporalSchema {
  type?: string;
  format?: string;
  pattern?: string;
  example?: unknown;
  anyOf?: TemporalSchema[];
}

/** A pattern or example that spells a date: `\d{4}-…`, `[2-9]\d{3}`, `…-02-29`, `2026-11-22`. */
const DATE_HINT = /\\d\{4\}|\\d\{3\}|-02-29|\d{4}-\d{2}-\d{2}/;

/** Whether a field holds a date, a date-time or a cursor made of one. */
function isTemporal(schema: TemporalSchema): boolean {
  if (schema.anyOf) return schema.anyOf.some(isTemporal);
  if (schema.format === 'date' || schema.format === 'date-time') return true;
  return (
    DATE_HINT.test(schema.pattern ?? '') || DATE_HINT.test(typeof schema.example === 'string' ? schema.example : '')
  );
}

/** Dates with parts out of range, years 0, 1, 9999 and 10000, February 29 of leap and common years. */
const DATES = [
  '0000-00-00',
  '0000-01-01',
  '0001-01-01',
  '2026-00-10',
  '2026-13-01',
  '2026-13-45',
  '2026-12-32',
  '2026-04-31',
  '2026-02-29',
  '2024-02-29',
  '2100-02-29',
  '9999-12-31',
  '10000-01-01',
];

/** Offsets around PostgreSQL's limit of ±15:59, and the ones RFC 3339's grammar allows past it. */
const OFFSETS = ['+14:00', '-14:00', '+15:59', '-15:59', '+16:00', '-16:00', '+21:23', '+23:59', '-24:00', '+00:60'];

/** Times with a part out of range, and leap seconds (PostgreSQL reads `:60` as the next minute). */
const TIMES = ['24:00:00', '23:60:00', '23:59:60', '23:59:60.5', '23:59:61', '12:00:00.1234567891'];

const INSTANTS = [
  ...DATES.map((date) => `${date}T00:00:00Z`),
  ...OFFSETS.map((offset) => `2026-12-06T20:03:08${offset}`),
  ...TIMES.map((time) => `2026-12-31T${time}Z`),
  '0001-01-01T00:00:00+00:01',
  '0001-01-01T00:00:00-15:59',
  '9999-12-31T23:59:59-00:01',
  '9999-12-31T23:59:59+15:59',
  '9999-12-31T23:59:60Z',
  '2026-12-06t20:03:08z',
  '2026-12-06T20:03:08',
  '2026-12-06 20:03:08Z',
];

/** Cursors `<id>/<instant>` whose parts decode to hostile values. */
const CURSORS = [
  ...INSTANTS.map((instant) => `1/${instant}`),
  '0/2026-01-01T00:00:00Z',
  '-1/2026-01-01T00:00:00Z',
  '9999999999999999/2026-01-01T00:00:00Z',
  '9223372036854775808/2026-01-01T00:00:00Z',
  '1/2026-01-01T00:00:00Z/extra',
  '1//2026-01-01T00:00:00Z',
];

/**
 * The hostile temporal values for a field, or none when it holds no date: dates and date-times
 * for every such field, and cursors for one whose pattern or example is `<id>/<instant>`.
 */
export function hostileTimesFor(schema: TemporalSchema): readonly string[] {
  if (!isTemporal(schema)) return [];
  return isCursor(schema) ? [...DATES, ...INSTANTS, ...CURSORS] : [...DATES, ...INSTANTS];
}

function isCursor(schema: TemporalSchema): boolean {
  if (schema.anyOf) return schema.anyOf.some(isCursor);
  return (schema.pattern ?? '').includes('/') || (typeof schema.example === 'string' && schema.example.includes('/'));
}
