import { DateTime } from 'luxon';
import { z } from 'zod';

export const isoInstant = z.iso.datetime({ offset: true });

/**
 * The earliest date any date input may name (`fecha`, `fecha_fin`, `businessDate`, a backfill's
 * start). No pipeline has data before it; without a floor, `fecha=0001-01-01` starts a run.
 */
export const EARLIEST_DATE = '2000-01-01';

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^-?[0-9]+$/;

/**
 * A calendar date written `YYYY-MM-DD`, not before `EARLIEST_DATE`. The pattern is a regex (not a
 * refinement) so that the OpenAPI document states it; "not in the future" depends on the clock
 * and the business time zone, so the handler checks it.
 */
export const isoDate = (description: string) =>
  z
    .string()
    .regex(DATE_PATTERN, 'must be a date written YYYY-MM-DD')
    .refine((value) => DateTime.fromISO(value, { zone: 'UTC' }).isValid, 'is not a calendar date')
    .refine((value) => value >= EARLIEST_DATE, `must not be before ${EARLIEST_DATE}`)
    .meta({ description: `${description} (YYYY-MM-DD, not before ${EARLIEST_DATE})`, example: '2026-11-22' });

/**
 * Every integer in a query or path: plain decimal digits with an optional minus, nothing else.
 * `z.coerce.number()` would take `0x10` as 16, `1e2` as 100, ` 5` as 5 and an empty `days=` as 0.
 * Strings that are not decimal reach the number schema unchanged and fail it.
 */
export function decimalInteger({ min, max }: { min: number; max: number }) {
  const message = `must be a whole number from ${min} to ${max}, written in decimal digits`;
  return z.preprocess(
    (value) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value),
    z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }),
  );
}

/** What every action answers (202): where to follow the run it started. */
export const ActionAcceptedSchema = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    statusUrl: z.string().meta({ example: '/api/v1/runs/metrics-daily%2F2026-11-22' }),
    temporalUiUrl: z.string(),
  })
  .meta({ id: 'ActionAccepted' });
