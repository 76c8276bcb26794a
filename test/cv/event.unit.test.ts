import { rejectKey, validateEvent } from '../../lib/cv/event';
import { DateTime, FixedOffsetZone } from 'luxon';
import { createLocalClock, parseInstant } from '../../lib/cv/instant';
import { hash32 } from '../../local/simulators/cv/generator';

const TZ = 'America/Santiago';
const good = {
  recordId: 42,
  actionId: 8,
  dataId: 'ch-1',
  dataName: '',
  timestamp: '2026-11-22T21:15:04-03:00',
  duration: 120,
  subscriberId: 'sub-1',
  deviceId: 'stb-1',
};

describe('validateEvent', () => {
  it('accepts a contract event and derives dataDate/timeDate in the business zone', () => {
    const result = validateEvent(good, TZ);
    expect(result).toEqual({
      ok: true,
      event: expect.objectContaining({
        recordId: 42,
        eventTime: '2026-11-23T00:15:04.000Z',
        // Santiago is on summer time (-03:00) in November.
        dataDate: '2026-11-22',
        timeDate: '21:15:04.000',
        dataName: '',
        extra: null,
      }),
    });
  });

  it('reads epoch milliseconds, and derives across midnight and DST by the zone, not the offset', () => {
    // 2026-07-01T02:30:00Z: winter time in Santiago (-04:00), so the previous local day.
    const result = validateEvent({ ...good, timestamp: Date.UTC(2026, 6, 1, 2, 30) }, TZ);
    expect(result.ok && [result.event.dataDate, result.event.timeDate]).toEqual(['2026-06-30', '22:30:00.000']);
    const utc = validateEvent({ ...good, timestamp: '2026-07-01T02:30:00Z' }, 'UTC');
    expect(utc.ok && utc.event.dataDate).toBe('2026-07-01');
  });

  it('keeps unknown extra fields and takes null/absent dataName and duration as null', () => {
    const { dataName: _n, duration: _d, ...rest } = good;
    const result = validateEvent({ ...rest, firmware: '4.1.0' }, TZ);
    expect(result.ok && result.event).toMatchObject({ dataName: null, duration: null, extra: { firmware: '4.1.0' } });
  });

  it.each([
    [{ ...good, recordId: 0 }, 'recordId'],
    [{ ...good, recordId: 2 ** 53 }, 'recordId'],
    [{ ...good, recordId: '42' }, 'recordId'],
    [{ ...good, actionId: 'eight' }, 'actionId'],
    [{ ...good, actionId: 1.5 }, 'actionId'],
    [{ ...good, dataId: 7 }, 'dataId'],
    [{ ...good, dataName: 3 }, 'dataName'],
    [{ ...good, duration: -1 }, 'duration: must not be negative'],
    [{ ...good, duration: '10' }, 'duration'],
    [{ ...good, subscriberId: null }, 'subscriberId'],
    [{ ...good, deviceId: undefined }, 'deviceId'],
    [{ ...good, timestamp: 'not-a-date' }, 'timestamp'],
    [{ ...good, timestamp: '2026-11-22T21:15:04' }, 'timestamp'],
    [{ ...good, timestamp: 1.5 }, 'timestamp'],
    [{ ...good, timestamp: null }, 'timestamp'],
  ])('rejects %j with a reason naming the field', (item, reason) => {
    const result = validateEvent(item, TZ);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reject.reason).toContain(reason);
      expect(result.reject.raw).toBe(JSON.stringify(item));
    }
  });

  it('keys a reject by recordId when it has one, by the hash of its raw text otherwise', () => {
    const withId = validateEvent({ ...good, timestamp: 'x' }, TZ);
    expect(!withId.ok && withId.reject.key).toBe('record:42');
    for (const item of ['garbage', 12, null, [1, 2], { ...good, recordId: -3 }]) {
      const result = validateEvent(item, TZ);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reject.recordId).toBeNull();
        expect(result.reject.key).toBe(rejectKey(null, JSON.stringify(item)));
        expect(result.reject.key).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
    }
  });
});

describe('parseInstant and the local clock', () => {
  const iso = (value: unknown) => {
    const ms = parseInstant(value);
    return ms === null ? null : new Date(ms).toISOString();
  };

  it('reads the contract forms, with or without a colon in the offset, fractions and Z', () => {
    expect(iso('2026-11-22T21:15:04-03:00')).toBe('2026-11-23T00:15:04.000Z');
    expect(iso('2026-11-22T21:15:04-0300')).toBe('2026-11-23T00:15:04.000Z');
    expect(iso('2026-11-22T21:15:04.5+05:30')).toBe('2026-11-22T15:45:04.500Z');
    expect(iso('2026-11-22T21:15:04Z')).toBe('2026-11-22T21:15:04.000Z');
    // Other ISO-8601 spellings with an offset go through luxon.
    expect(iso('2026-11-22T21:15-03:00')).toBe('2026-11-23T00:15:00.000Z');
    expect(iso(Date.UTC(2026, 0, 1))).toBe('2026-01-01T00:00:00.000Z');
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T21:15:04',
    '1969-12-31T23:59:59Z',
    'x',
    '',
    1.5,
    NaN,
    null,
    {},
  ])('refuses %p', (value) => expect(parseInstant(value)).toBeNull());

  it('gives local date and time across DST changes exactly (Santiago, April and September 2026)', () => {
    const clock = createLocalClock('America/Santiago');
    // 2026-04-05 00:00 local (-03:00) clocks go back to 23:00 (-04:00); 2026-09-06 00:00 (-04:00) forward to 01:00.
    expect(clock(Date.UTC(2026, 3, 5, 2, 59, 59))).toEqual({ date: '2026-04-04', time: '23:59:59.000' });
    expect(clock(Date.UTC(2026, 3, 5, 3, 30))).toEqual({ date: '2026-04-04', time: '23:30:00.000' });
    expect(clock(Date.UTC(2026, 8, 6, 3, 59, 59, 999))).toEqual({ date: '2026-09-05', time: '23:59:59.999' });
    expect(clock(Date.UTC(2026, 8, 6, 4, 0))).toEqual({ date: '2026-09-06', time: '01:00:00.000' });
    // The same instants, asked again (cached), answer the same.
    expect(clock(Date.UTC(2026, 3, 5, 3, 30))).toEqual({ date: '2026-04-04', time: '23:30:00.000' });
  });

  it('agrees with luxon on thousands of instants, offsets and zones', () => {
    for (const zone of ['America/Santiago', 'Europe/Madrid', 'Asia/Kolkata', 'UTC']) {
      const clock = createLocalClock(zone);
      for (let n = 0; n < 3_000; n++) {
        const ms = Date.UTC(2020, 0, 1) + (hash32(3, n, 1) % 3_600_000) * 100_000 + (hash32(3, n, 2) % 1000);
        const offset = ((hash32(3, n, 3) % 57) - 28) * 30;
        const written = DateTime.fromMillis(ms, { zone: FixedOffsetZone.instance(offset) }).toISO()!;
        expect(parseInstant(written)).toBe(ms);
        const local = DateTime.fromMillis(ms, { zone });
        expect(clock(ms)).toEqual({ date: local.toISODate(), time: local.toFormat('HH:mm:ss.SSS') });
      }
    }
  });
});
