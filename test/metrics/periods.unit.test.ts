import { dailyDateFor, dayPeriod, isIsoDate, weeklyEndFor, weekPeriod } from '../../lib/metrics/periods';

const SANTIAGO = 'America/Santiago';
const hours = ({ inicio, fin }: { inicio: string; fin: string }) => (Date.parse(fin) - Date.parse(inicio)) / 3_600_000;

describe('metric periods (local days of PIPELINES_TZ)', () => {
  it('an ordinary day is midnight to midnight local time', () => {
    expect(dayPeriod('2026-03-10', SANTIAGO)).toEqual({
      inicio: '2026-03-10T03:00:00.000Z',
      fin: '2026-03-11T03:00:00.000Z',
    });
  });

  it('the day Santiago leaves daylight saving (clocks back at midnight) has 25 hours', () => {
    const period = dayPeriod('2026-04-04', SANTIAGO);
    expect(period).toEqual({ inicio: '2026-04-04T03:00:00.000Z', fin: '2026-04-05T04:00:00.000Z' });
    expect(hours(period)).toBe(25);
  });

  it('the day Santiago enters daylight saving (midnight does not exist) has 23 hours, from 01:00', () => {
    const period = dayPeriod('2026-09-06', SANTIAGO);
    expect(period).toEqual({ inicio: '2026-09-06T04:00:00.000Z', fin: '2026-09-07T03:00:00.000Z' });
    expect(hours(period)).toBe(23);
    // Consecutive days tile time: no instant in two days, none in none.
    expect(dayPeriod('2026-09-05', SANTIAGO).fin).toBe(period.inicio);
    expect(dayPeriod('2026-04-05', SANTIAGO).inicio).toBe(dayPeriod('2026-04-04', SANTIAGO).fin);
  });

  it('a week is the 7 local days ending fecha_fin, with the 7 before it', () => {
    const week = weekPeriod('2026-04-05', SANTIAGO);
    expect(week).toEqual({
      inicio: '2026-03-30T03:00:00.000Z',
      fin: '2026-04-06T04:00:00.000Z',
      previoInicio: '2026-03-23T03:00:00.000Z',
    });
    expect(hours(week)).toBe(7 * 24 + 1);
  });

  it('a daily run computes the previous local day, whatever UTC says', () => {
    // 02:00 on 2026-04-05 in Santiago (after the change, UTC−4) is 06:00Z.
    expect(dailyDateFor(new Date('2026-04-05T06:00:00Z'), SANTIAGO)).toBe('2026-04-04');
    // 02:00 on 2026-09-06 (UTC−4 until midnight, then −3) is 05:00Z.
    expect(dailyDateFor(new Date('2026-09-06T05:00:00Z'), SANTIAGO)).toBe('2026-09-05');
    expect(dailyDateFor(new Date('2026-11-23T01:30:00Z'), SANTIAGO)).toBe('2026-11-21');
  });

  it('a weekly run computes the week ending the last Sunday before its local day', () => {
    // Monday 2026-11-23 03:00 local (UTC−3) → Sunday 2026-11-22.
    expect(weeklyEndFor(new Date('2026-11-23T06:00:00Z'), SANTIAGO)).toBe('2026-11-22');
    // A manual run on Sunday computes the week ending the Sunday before.
    expect(weeklyEndFor(new Date('2026-11-22T15:00:00Z'), SANTIAGO)).toBe('2026-11-15');
    expect(weeklyEndFor(new Date('2026-11-25T15:00:00Z'), SANTIAGO)).toBe('2026-11-22');
  });

  it('accepts only real dates written YYYY-MM-DD', () => {
    expect(isIsoDate('2026-02-28')).toBe(true);
    for (const bad of ['2026-02-30', '2026-2-28', '20260228', '2026-02-28T00:00', '', 'mañana']) {
      expect(isIsoDate(bad)).toBe(false);
    }
    expect(() => dayPeriod('2026-02-30', SANTIAGO)).toThrow(RangeError);
  });
});
