import { parseTimestamp, rejectKey, validateEvent } from '../../lib/cv/event';

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

describe('parseTimestamp', () => {
  it('accepts offsets with or without a colon and Z', () => {
    expect(parseTimestamp('2026-11-22T21:15:04-0300')?.toUTC().toISO()).toBe('2026-11-23T00:15:04.000Z');
    expect(parseTimestamp('2026-11-22T21:15:04Z')?.toUTC().toISO()).toBe('2026-11-22T21:15:04.000Z');
    expect(parseTimestamp('2026-02-30T00:00:00Z')).toBeNull();
  });
});
