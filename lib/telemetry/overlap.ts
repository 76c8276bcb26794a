/**
 * The late-readings overlap, adaptive. Readings come late only after a disconnection the device
 * buffered through, and a disconnection shows as a gap in what the provider served. So a variable
 * is fetched from `overlapMs` (the point's `reconnectionMinutes`) before its watermark only while
 * that window still reaches a gap seen in its readings: until `overlapMs` after the reading that
 * closed the gap. Otherwise it is fetched from its watermark, and a 1-minute point reads one new
 * reading per variable instead of the whole overlap on every poll.
 */

/** A gap is a spacing of more than this many expected periods (one missed reading is a gap). */
export const GAP_FACTOR = 1.5;

/** Where a variable with a watermark is fetched from (exclusive). */
export function fetchSince(watermark: Date, reReadUntil: Date | undefined, periodMs: number, overlapMs: number): Date {
  // A point whose gap threshold reaches the overlap cannot tell a gap from its cadence, and its
  // overlap holds at most GAP_FACTOR readings: it re-reads every time.
  const always = periodMs * GAP_FACTOR >= overlapMs;
  const reRead = always || (reReadUntil !== undefined && watermark.getTime() < reReadUntil.getTime());
  return reRead ? new Date(watermark.getTime() - overlapMs) : watermark;
}

/**
 * After a poll, per variable: until when its overlap is re-read. `times` are the instants (ISO)
 * of the variable's readings this poll fetched; with the previous watermark (for a first poll, the
 * start of its window, so a hole there counts) they show every gap
 * this poll can see (the spacing from the watermark to the first new reading is the
 * disconnection that just ended). The result is the latest of `previous` and, per gap, the
 * reading that closed it plus `overlapMs`; undefined once the new watermark has passed it.
 */
export function reReadUntil(
  previous: Date | undefined,
  watermark: Date | undefined,
  times: readonly string[],
  periodMs: number,
  overlapMs: number,
): Date | undefined {
  const instants = [...new Set(times.map((t) => Date.parse(t)))];
  if (watermark) instants.push(watermark.getTime());
  instants.sort((a, b) => a - b);
  let until = previous?.getTime() ?? -Infinity;
  for (let i = 1; i < instants.length; i++)
    if (instants[i]! - instants[i - 1]! > periodMs * GAP_FACTOR) until = Math.max(until, instants[i]! + overlapMs);
  const newest = instants.at(-1) ?? -Infinity;
  return until > newest ? new Date(until) : undefined;
}
