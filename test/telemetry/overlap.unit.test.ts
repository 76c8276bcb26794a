import { fetchSince, reReadUntil } from '../../lib/telemetry/overlap';

const MINUTE = 60_000;
const OVERLAP = 120 * MINUTE;
// Instants relative to a base derived from now (no calendar: only their spacing matters).
const base = Math.floor(Date.now() / MINUTE) * MINUTE;
const at = (minutes: number) => new Date(base + minutes * MINUTE);
const iso = (minutes: number) => at(minutes).toISOString();
const minutes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => iso(from + i));

describe('late-readings overlap decision (lib/telemetry/overlap.ts)', () => {
  it('a variable without a recent gap is fetched from its watermark', () => {
    expect(fetchSince(at(0), undefined, MINUTE, OVERLAP)).toEqual(at(0));
    // A bound the watermark has passed re-reads nothing.
    expect(fetchSince(at(0), at(0), MINUTE, OVERLAP)).toEqual(at(0));
  });

  it('while the overlap still reaches a gap, it is re-read from reconnectionMinutes before the watermark', () => {
    expect(fetchSince(at(0), at(1), MINUTE, OVERLAP)).toEqual(at(-120));
  });

  it('a point whose gap threshold reaches the overlap re-reads it every poll', () => {
    expect(fetchSince(at(0), undefined, 60 * MINUTE, 60 * MINUTE)).toEqual(at(-60));
    expect(fetchSince(at(0), undefined, 60 * MINUTE, OVERLAP)).toEqual(at(0));
  });

  it('steady readings leave no bound', () => {
    expect(reReadUntil(undefined, at(0), [iso(1)], MINUTE, OVERLAP)).toBeUndefined();
    expect(reReadUntil(undefined, undefined, minutes(-5, 0), MINUTE, OVERLAP)).toBeUndefined();
    // A poll that re-read the window of stored, gapless readings.
    expect(reReadUntil(undefined, at(0), minutes(-120, 1), MINUTE, OVERLAP)).toBeUndefined();
    // At a 5-minute period a 5-minute spacing is no gap.
    expect(reReadUntil(undefined, at(0), [iso(5), iso(10)], 5 * MINUTE, OVERLAP)).toBeUndefined();
  });

  it('a reconnection (the first new reading far after the watermark) re-reads until the overlap after it', () => {
    expect(reReadUntil(undefined, at(0), minutes(31, 33), MINUTE, OVERLAP)).toEqual(at(31 + 120));
    // A first poll whose window (from minute 0) starts with a hole: its readings may come late too.
    expect(reReadUntil(undefined, at(0), minutes(9, 12), MINUTE, OVERLAP)).toEqual(at(9 + 120));
    // One missed reading is a gap too (it may be buffered).
    expect(reReadUntil(undefined, at(0), [iso(2)], MINUTE, OVERLAP)).toEqual(at(2 + 120));
  });

  it('a hole among the fetched readings counts, the latest bound wins, and a passed bound goes', () => {
    const fetched = [...minutes(1, 10), ...minutes(20, 30)];
    expect(reReadUntil(undefined, at(0), fetched, MINUTE, OVERLAP)).toEqual(at(20 + 120));
    expect(reReadUntil(at(200), at(0), fetched, MINUTE, OVERLAP)).toEqual(at(200));
    expect(reReadUntil(at(20), at(19), [iso(20)], MINUTE, OVERLAP)).toBeUndefined();
  });

  it('a whole cycle: the late readings of a hole are fetched until the overlap after it has passed', () => {
    // Readings every minute; the device is offline from minute 1 to 30, then uploads live first.
    let watermark = at(0);
    let bound: Date | undefined;
    const poll = (now: number) => {
      const since = fetchSince(watermark, bound, MINUTE, OVERLAP);
      const times = minutes(Math.round((since.getTime() - base) / MINUTE) + 1, now).filter((t) => {
        const m = (Date.parse(t) - base) / MINUTE;
        return m <= 0 || m > 30;
      });
      bound = reReadUntil(bound, watermark, times, MINUTE, OVERLAP);
      watermark = at(now);
      return since;
    };
    expect(poll(31)).toEqual(at(0));
    // From the next poll on the window reaches back over the hole (the held readings, once uploaded, are fetched).
    for (let now = 32; now <= 31 + 120; now++) expect(poll(now)).toEqual(at(now - 1 - 120));
    // The window no longer reaches the hole: back to the watermark.
    expect(poll(152)).toEqual(at(151));
    expect(bound).toBeUndefined();
  });
});
