import { DateTime } from 'luxon';
import { z } from 'zod';
import { DATE_PATTERN, EARLIEST_INSTANT, INSTANT_PATTERN, LATEST_INSTANT, parseInstant } from './calendar';

/**
 * The request values every route shares, one validator per kind (date, instant, page cursor,
 * integer), each to what PostgreSQL accepts, with a pattern or bound the OpenAPI document states.
 */

/**
 * The earliest date any date input may name (`fecha`, `fecha_fin`, `businessDate`, a backfill's
 * start). No pipeline has data before it; without a floor, `fecha=0001-01-01` starts a run.
 */
export const EARLIEST_DATE = '2000-01-01';
export const LATEST_DATE = '9999-12-31';

const LOOSE_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^-?[0-9]+$/;

function dateError(input: unknown): string {
  if (typeof input !== 'string' || !LOOSE_DATE.test(input)) return 'must be a date written YYYY-MM-DD';
  if (!DateTime.fromISO(input, { zone: 'UTC' }).isValid) return 'is not a calendar date';
  return `must not be before ${EARLIEST_DATE}`;
}

/**
 * A calendar date written `YYYY-MM-DD`, from `EARLIEST_DATE` to `LATEST_DATE`. The pattern says it
 * all, so the OpenAPI document states it; "not in the future" depends on the clock and the business
 * time zone, so the handler checks it.
 */
export const isoDate = (description: string) =>
  z
    .string()
    .regex(new RegExp(DATE_PATTERN), { error: (issue) => dateError(issue.input) })
    .meta({ description: `${description} (YYYY-MM-DD, not before ${EARLIEST_DATE})`, example: '2026-11-22' });

const INSTANT_RULE =
  `an ISO 8601 date-time with Z or an offset of at most ±15:59, from ${EARLIEST_INSTANT.slice(0, 10)} ` +
  `to ${LATEST_INSTANT.slice(0, 10)} UTC`;

/**
 * An instant: RFC 3339 with `Z` or a UTC offset, every part in range, offset within ±15:59 and the
 * instant within years 0001–9999 UTC, as PostgreSQL's `timestamptz` takes it. A leap second (`:60`)
 * is read as PostgreSQL reads it, as the next minute. Handlers get it normalized: `toISOString()`.
 */
export const isoInstant = z
  .string()
  .regex(new RegExp(INSTANT_PATTERN), `must be ${INSTANT_RULE}`)
  .transform((value, ctx) => {
    const instant = parseInstant(value);
    if (instant) return instant.toISOString();
    ctx.addIssue({ code: 'custom', message: `must be ${INSTANT_RULE}` });
    return z.NEVER;
  })
  .meta({ format: 'date-time', example: '2026-11-22T14:00:00Z' });

/**
 * Free text stored in PostgreSQL (names, descriptions, units, notes): neither `text` nor `jsonb` can
 * hold U+0000, so a NUL is refused here, by a pattern the OpenAPI document states.
 */
export const plainText = ({ min = 0, max }: { min?: number; max: number }) =>
  z
    .string()
    .min(min)
    .max(max)
    // eslint-disable-next-line no-control-regex -- the one character refused is a control character
    .regex(/^[^\u0000]*$/, 'must not contain the NUL character (U+0000)');

/** The largest id a route takes: ids are `bigint` columns, read into JavaScript numbers. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * A keyset page cursor `<id>/<instant>`, the `next` of the previous page; normalized like
 * `isoInstant`, so a cursor that decodes to a value PostgreSQL refuses is a 400, not a 500.
 */
export const idInstantCursor = z
  .string()
  .regex(new RegExp(`^[1-9]\\d{0,15}/${INSTANT_PATTERN.slice(1)}`), 'must be the `next` of the previous page')
  .transform((value, ctx) => {
    const [id, at] = value.split('/') as [string, string];
    const instant = parseInstant(at);
    if (Number(id) <= MAX_ID && instant) return `${id}/${instant.toISOString()}`;
    ctx.addIssue({ code: 'custom', message: 'must be the `next` of the previous page' });
    return z.NEVER;
  })
  .meta({ description: 'Page cursor: the `next` of the previous page' });

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
