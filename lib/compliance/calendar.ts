/**
 * The regulators' calendar: a fixed UTC−4 offset with no daylight saving (DGA manual), not
 * `America/Santiago`, which moves between −3 and −4. Pure arithmetic on instants: safe in workflows.
 */
export const REGULATOR_OFFSET_MS = -4 * 3_600_000;
const DAY_MS = 86_400_000;

const shifted = (instant: Date) => new Date(instant.getTime() + REGULATOR_OFFSET_MS).toISOString();

/** `YYYY-MM-DD` of an instant on the UTC−4 calendar. */
export function regulatorDate(instant: Date): string {
  return shifted(instant).slice(0, 10);
}

/** `HH:mm:ss` of an instant on the UTC−4 clock. */
export function regulatorTime(instant: Date): string {
  return shifted(instant).slice(11, 19);
}

/** `YYYY-MM-DDTHH:mm:00` on the UTC−4 clock (the SMA's `estampaTiempo`, minute precision). */
export function regulatorMinute(instant: Date): string {
  return `${shifted(instant).slice(0, 16)}:00`;
}

/** 00:00 UTC−4 of a `YYYY-MM-DD` day, as an instant. */
export function regulatorDayStart(day: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(midnightUtc)) throw new RangeError(`not a calendar day: ${day}`);
  return new Date(midnightUtc - REGULATOR_OFFSET_MS);
}

/** 00:00 UTC−4 of the day after `day`: the exclusive end of an inclusive `active_to`. */
export function regulatorDayEnd(day: string): Date {
  return new Date(regulatorDayStart(day).getTime() + DAY_MS);
}

/** `DD-MM-YYYY` (the DGA verify answer's date) to `YYYY-MM-DD`; anything else is returned as is. */
export function fromDayMonthYear(value: string): string {
  const match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(value);
  return match ? `${match[3]}-${match[2]}-${match[1]}` : value;
}
