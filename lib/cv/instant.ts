import { DateTime, IANAZone } from 'luxon';

/**
 * Timestamps of the CV contract (ISO-8601 with an offset, or epoch milliseconds) to instants, and
 * instants to local date and time of day. A million events per load: the common ISO form is parsed
 * by hand and zone offsets are cached per hour, with luxon for the rare other ISO spellings.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):?(\d{2}))$/;
const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(3000, 0, 1);

const inRange = (ms: number) => (ms >= MIN_MS && ms < MAX_MS ? ms : null);

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Epoch milliseconds of a contract timestamp, or null when it cannot be read. */
export function parseInstant(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? inRange(value) : null;
  if (typeof value !== 'string') return null;
  const m = ISO.exec(value);
  if (!m) {
    // An offset is required: a bare local time would be read in some unknown zone.
    if (!/(Z|[+-]\d{2}(:?\d{2})?)$/.test(value)) return null;
    const parsed = DateTime.fromISO(value, { setZone: true });
    return parsed.isValid ? inRange(parsed.toMillis()) : null;
  }
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!)) return null;
  if (hour! > 23 || minute! > 59 || second! > 59) return null;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const offsetMinutes = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (Math.abs(offsetMinutes) > 18 * 60) return null;
  return inRange(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, millis) - offsetMinutes * 60_000);
}

const HOUR = 3_600_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local calendar date and time of day of instants in one zone; offsets cached per UTC hour. */
export function createLocalClock(timeZone: string) {
  const zone = IANAZone.create(timeZone);
  const offsets = new Map<number, number>();
  return (ms: number): { date: string; time: string } => {
    const hour = Math.floor(ms / HOUR);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      // Cached only when the offset is the same at both ends of the hour, so DST changes stay exact.
      offset = zone.offset(ms);
      if (zone.offset(hour * HOUR) === offset && zone.offset(hour * HOUR + HOUR - 1) === offset) {
        if (offsets.size > 50_000) offsets.clear();
        offsets.set(hour, offset);
      }
    }
    const local = new Date(ms + offset * 60_000);
    return {
      date: `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`,
      time: `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}`,
    };
  };
}
