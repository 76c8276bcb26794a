import { parseInstant, parseUtcOffset, isCalendarDate } from '../../api/http/calendar';
import { idInstantCursor, isoDate, isoInstant } from '../../api/http/schemas';
import { createTestContext, type TestContext } from '../harness/context';

/**
 * The shared validators against PostgreSQL itself: every date-time `parseInstant` takes, PostgreSQL
 * takes as the same instant, and the values PostgreSQL refuses (the 500s schemathesis found) are
 * refused before they reach it.
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** What PostgreSQL makes of `value` as a timestamptz: the instant, or the SQLSTATE it refuses it with. */
async function postgres(value: string): Promise<{ ms: number } | { sqlState: string }> {
  try {
    const { rows } = await ctx.db.query<{ ms: string }>(
      'SELECT (extract(epoch FROM $1::timestamptz) * 1000)::numeric(20, 0)::text AS ms',
      [value],
    );
    return { ms: Number(rows[0]!.ms) };
  } catch (error) {
    return { sqlState: (error as { code: string }).code };
  }
}

const ACCEPTED = [
  '2026-12-06T20:03:08Z',
  '2026-12-06T20:03:08.123Z',
  '2026-12-06T20:03:08+14:00',
  '2026-12-06T20:03:08-14:00',
  '2026-12-06T20:03:08+15:59',
  '2026-12-06T20:03:08-15:59',
  '2026-12-31T23:59:60Z',
  '2016-12-31T23:59:60+00:00',
  '2016-12-31T23:59:60.000Z',
  '2024-02-29T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00-15:59',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59.999+00:00',
  '2000-02-29T12:00:00Z',
];

/** PostgreSQL refuses every one of these (SQLSTATE class 22): each was, or could have been, a 500. */
const REFUSED_BY_POSTGRES = [
  '2026-13-45T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-12-32T00:00:00Z',
  '2026-02-29T00:00:00Z',
  '2100-02-29T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '2026-12-06T20:03:08+16:00',
  '2026-12-06T20:03:08-16:00',
  '2026-12-06T20:03:08+21:23',
  '2026-12-06T20:03:08-24:00',
  '2026-12-31T23:60:00Z',
  '2026-12-31T23:59:61Z',
];

/** Accepted by PostgreSQL, refused here: outside years 0001–9999 UTC, which JavaScript cannot write back. */
const REFUSED_HERE_ONLY = [
  '10000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-00:01',
  '0001-01-01T00:00:00+00:01',
  '2026-12-06T20:03:08',
  // A leap second anywhere but 23:59:60 UTC: RFC 3339 (and the OpenAPI date-time format) refuse it.
  '2026-12-31T23:59:60+00:01',
  '2026-06-30T12:34:60Z',
  '2026-12-31T23:59:60+01:00',
];

describe('parseInstant', () => {
  it.each(ACCEPTED)('takes %s as PostgreSQL does', async (value) => {
    const instant = parseInstant(value);
    expect(instant).toBeInstanceOf(Date);
    expect(await postgres(value)).toEqual({ ms: instant!.getTime() });
  });

  it.each(REFUSED_BY_POSTGRES)('refuses %s, which PostgreSQL refuses with a data exception', async (value) => {
    expect(parseInstant(value)).toBeUndefined();
    expect(await postgres(value)).toEqual({ sqlState: expect.stringMatching(/^22/) });
  });

  it.each(REFUSED_HERE_ONLY)('refuses %s', (value) => {
    expect(parseInstant(value)).toBeUndefined();
  });

  it('reads a leap second as the next minute, as PostgreSQL does', () => {
    expect(parseInstant('2026-12-31T23:59:60Z')?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(parseInstant('1998-12-31T23:59:60.123-00:00')?.toISOString()).toBe('1999-01-01T00:00:00.123Z');
    // RFC 3339 has this one at 23:59:60 UTC too; the pattern cannot say so, so it is refused, as documented.
    expect(parseInstant('1998-12-31T15:59:60-08:00')).toBeUndefined();
  });

  it('hands PostgreSQL a leap second with a fraction normalized, which it refuses as written', async () => {
    const instant = parseInstant('2016-12-31T23:59:60.5Z')!;
    expect(instant.toISOString()).toBe('2017-01-01T00:00:00.500Z');
    expect(await postgres('2016-12-31T23:59:60.5Z')).toEqual({ sqlState: expect.stringMatching(/^22/) });
    expect(await postgres(instant.toISOString())).toEqual({ ms: instant.getTime() });
  });
});

describe('the zod schemas', () => {
  it('normalize instants and cursors, and name the range they refuse', () => {
    expect(isoInstant.parse('2026-12-06T20:03:08+15:59')).toBe('2026-12-06T04:04:08.000Z');
    expect(isoInstant.safeParse('2026-12-06T20:03:08+16:00').error?.issues[0]?.message).toMatch(/±15:59/);
    expect(idInstantCursor.parse('12/2026-12-31T23:59:60Z')).toBe('12/2027-01-01T00:00:00.000Z');
    for (const cursor of [
      '1/2026-13-45T00:00:00Z',
      '0/2026-01-01T00:00:00Z',
      '9999999999999999/2026-01-01T00:00:00Z',
    ]) {
      expect(idInstantCursor.safeParse(cursor).success).toBe(false);
    }
  });

  it('take dates from 2000-01-01 to 9999-12-31 that are on the calendar', () => {
    const date = isoDate('a day');
    for (const value of ['2000-01-01', '2024-02-29', '2000-02-29', '9999-12-31']) {
      expect([value, date.safeParse(value).success, isCalendarDate(value)]).toEqual([value, true, true]);
    }
    const refusals = {
      '0000-00-00': 'is not a calendar date',
      '2026-02-29': 'is not a calendar date',
      '2100-02-29': 'is not a calendar date',
      '1999-12-31': 'must not be before 2000-01-01',
      '10000-01-01': 'must be a date written YYYY-MM-DD',
    };
    for (const [value, message] of Object.entries(refusals)) {
      expect([value, date.safeParse(value).error?.issues[0]?.message]).toEqual([value, message]);
    }
  });
});

describe('parseUtcOffset', () => {
  it('takes offsets within PostgreSQL’s ±15:59, in minutes east of UTC', () => {
    expect(['Z', '+00:00', '+14:00', '-15:59', '+15:59'].map(parseUtcOffset)).toEqual([0, 0, 840, -959, 959]);
    expect(['+16:00', '-24:00', '+00:60', '+1:00', '0000', ''].map(parseUtcOffset)).toEqual(Array(6).fill(undefined));
  });
});
