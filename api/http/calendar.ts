/**
 * The dates, instants and UTC offsets a request may carry, to what PostgreSQL accepts: pure
 * parsers and the regular expressions the OpenAPI document states, so that what the document
 * calls valid is what the handlers take. `api/http/schemas.ts` wraps them for the routes.
 */

/** Date parts in range, February 29 only in leap years, for years the `year` sources allow. */
function calendarDateSource(year: string, leapYear: string): string {
  const monthDay =
    '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))';
  return `(?:(?:${leapYear})-02-29|(?:${year})-${monthDay})`;
}

/**
 * Years 0001–9999: PostgreSQL has no year 0 in ISO input, and JavaScript writes a year past 9999 as
 * `+010000`, which PostgreSQL does not read. Leap years: divisible by 4, and centuries by 400.
 */
const ANY_YEAR = '000[1-9]|00[1-9]\\d|0[1-9]\\d{2}|[1-9]\\d{3}';
const ANY_LEAP_YEAR = '\\d\\d(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00';
/** Years 2000–9999, for dates (`EARLIEST_DATE`). */
const MODERN_YEAR = '[2-9]\\d{3}';
const MODERN_LEAP_YEAR = '[2-9]\\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[3579][26])00';

/**
 * A UTC offset PostgreSQL accepts: hours 00–15, minutes 00–59 (it refuses ±16:00 with "time zone
 * displacement out of range"; real zones span −12:00 to +14:00).
 */
export const UTC_OFFSET_SOURCE = '(?:Z|[+-](?:0\\d|1[0-5]):[0-5]\\d)';
export const MAX_OFFSET_MINUTES = 15 * 60 + 59;

/** `HH:MM:SS[.fraction]` with a UTC offset. */
const TIME_SOURCE = `(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,9})?${UTC_OFFSET_SOURCE}`;
/**
 * A leap second: RFC 3339 allows one at 23:59:60 UTC only, which a pattern can state only when the
 * offset is zero; so it is taken written that way, and read as the next minute's :00, as PostgreSQL
 * reads it (handlers pass on the normalized instant: PostgreSQL refuses `:60.5` as written).
 */
const LEAP_SECOND_SOURCE = '23:59:60(?:\\.\\d{1,9})?(?:Z|[+-]00:00)';

/** RFC 3339 with an offset, years 0001–9999, every part in range. */
export const INSTANT_PATTERN = `^${calendarDateSource(ANY_YEAR, ANY_LEAP_YEAR)}T(?:${TIME_SOURCE}|${LEAP_SECOND_SOURCE})$`;
/** `YYYY-MM-DD`, a calendar date from 2000-01-01 to 9999-12-31. */
export const DATE_PATTERN = `^${calendarDateSource(MODERN_YEAR, MODERN_LEAP_YEAR)}$`;

export const EARLIEST_INSTANT = '0001-01-01T00:00:00.000Z';
export const LATEST_INSTANT = '9999-12-31T23:59:59.999Z';

const INSTANT = new RegExp(INSTANT_PATTERN);
const DATE = new RegExp(DATE_PATTERN);
const PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

export const isCalendarDate = (value: string) => DATE.test(value);

/** Minutes east of UTC of `Z` or `±HH:MM`, or undefined beyond what PostgreSQL accepts. */
export function parseUtcOffset(value: string): number | undefined {
  const match = /^(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(value);
  if (!match) return undefined;
  if (!match[1]) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (Number(match[3]) > 59 || minutes > MAX_OFFSET_MINUTES) return undefined;
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * The instant an RFC 3339 date-time with offset names, or undefined when a part is out of range, a
 * leap second is not written 23:59:60 UTC, or the instant falls outside 0001-01-01 … 9999-12-31 UTC.
 * Precision is the millisecond (a JS Date).
 */
export function parseInstant(value: string): Date | undefined {
  if (!INSTANT.test(value)) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zone] = PARTS.exec(value)!;
  const offset = parseUtcOffset(zone!);
  if (offset === undefined) return undefined;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999. Second 60 rolls over.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute) - offset, Number(second), Number(fraction.slice(0, 3).padEnd(3, '0')));
  const time = date.getTime();
  if (time < Date.parse(EARLIEST_INSTANT) || time > Date.parse(LATEST_INSTANT)) return undefined;
  return date;
}
