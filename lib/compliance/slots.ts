import { REGULATOR_OFFSET_MS, regulatorDayEnd, regulatorDayStart } from './calendar';
import { slotPeriodMs, type Standard } from './standards';

/**
 * The slots of a configuration: one per reporting period of its standard, on the regulator's
 * fixed UTC−4 calendar, within its active days. MAYOR and SMA report on every hour (:00, a
 * multiple of 5 for the SMA); MEDIO once a day at 00:00 UTC−4 (the day's first measurement, so
 * the totalizer read closes the previous day); MENOR and CAUDALES_MUY_PEQUENOS are manual (none).
 */
export interface ActivePeriod {
  standard: Standard;
  /** `YYYY-MM-DD` on the UTC−4 calendar, inclusive. */
  activeFrom: string;
  /** Inclusive; null = open-ended. */
  activeTo: string | null;
}

/** The first slot at or after `instant` (its period's boundary on the UTC−4 clock). */
export function slotAtOrAfter(standard: Standard, instant: Date): Date | undefined {
  const period = slotPeriodMs(standard);
  if (period === undefined) return undefined;
  // Boundaries are counted on the shifted clock, where 00:00 UTC−4 is a multiple of the period.
  const local = instant.getTime() + REGULATOR_OFFSET_MS;
  return new Date(Math.ceil(local / period) * period - REGULATOR_OFFSET_MS);
}

/** The slots in `[from, until]` that the configuration is active for, oldest first, at most `limit`. */
export function slotsBetween(period: ActivePeriod, from: Date, until: Date, limit = 10_000): Date[] {
  const step = slotPeriodMs(period.standard);
  if (step === undefined) return [];
  const start = Math.max(from.getTime(), regulatorDayStart(period.activeFrom).getTime());
  const end = Math.min(
    until.getTime(),
    period.activeTo ? regulatorDayEnd(period.activeTo).getTime() - 1 : Number.POSITIVE_INFINITY,
  );
  const slots: Date[] = [];
  for (let t = slotAtOrAfter(period.standard, new Date(start))!.getTime(); t <= end && slots.length < limit; t += step)
    slots.push(new Date(t));
  return slots;
}

/** Whether `instant` is one of the standard's slot times. */
export function isSlotTime(standard: Standard, instant: Date): boolean {
  return slotAtOrAfter(standard, instant)?.getTime() === instant.getTime();
}
