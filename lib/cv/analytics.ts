import { DateTime } from 'luxon';
import { BANDS, bandKey, type Band } from './bands';
import { bandPieFigure, channelFigure } from './figures';

/**
 * The old service's TelemetriaDaysOTT answer (`totals` / `events` / `graphs` with the old service's keys),
 * built from the daily rollups summed over the window: one row per band × dataName.
 */
export interface OttRollupRow {
  band: Band;
  dataName: string;
  hours: number;
  events: number;
}

type Totals = Record<string, number>;

const round = (value: number) => Math.round(value * 1000) / 1000;

function sumBy(rows: readonly OttRollupRow[], pick: (row: OttRollupRow) => number): Totals {
  const totals: Totals = {};
  for (const row of rows) totals[row.dataName] = (totals[row.dataName] ?? 0) + pick(row);
  return Object.fromEntries(
    Object.entries(totals)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([name, value]) => [name, round(value)]),
  );
}

function figureFor(title: string, hours: Totals, counts: Totals) {
  const channels = Object.keys(hours);
  return {
    graph: JSON.stringify(
      channelFigure(title, {
        channels,
        hours: channels.map((c) => hours[c] ?? 0),
        counts: channels.map((c) => counts[c] ?? 0),
      }),
    ),
  };
}

export function buildOttAnalytics(rows: readonly OttRollupRow[], days: number) {
  const hoursByBand = Object.fromEntries(
    BANDS.map((band) => [band, round(rows.filter((r) => r.band === band).reduce((sum, r) => sum + r.hours, 0))]),
  ) as Record<Band, number>;
  const totalHours = round(rows.reduce((sum, row) => sum + row.hours, 0));
  const totalEvents = rows.reduce((sum, row) => sum + row.events, 0);
  const totals: Record<string, unknown> = {
    totaldurationott: { days, totalHours, totalEvents },
    franjahorariaott: { ...hoursByBand, graph: JSON.stringify(bandPieFigure('Horas por franja horaria', hoursByBand)) },
  };
  const graphs: Record<string, { graph: string }> = {};
  const listOTT = sumBy(rows, (row) => row.hours);
  const listCountEventOTT = sumBy(rows, (row) => row.events);
  graphs.graphott = figureFor('Horas y eventos por canal', listOTT, listCountEventOTT);
  for (const band of BANDS) {
    const inBand = rows.filter((row) => row.band === band);
    const hours = sumBy(inBand, (row) => row.hours);
    const counts = sumBy(inBand, (row) => row.events);
    totals[`franjahorariaeventott${bandKey(band)}`] = hours;
    totals[`countchannels${bandKey(band)}`] = counts;
    graphs[`graphott${band}`] = figureFor(`Horas y eventos por canal: ${band}`, hours, counts);
  }
  return { totals, events: { listOTT, listCountEventOTT }, graphs };
}

export type OttAnalytics = ReturnType<typeof buildOttAnalytics>;

/** First local date of "the last N days" (today included), or null for all data when N <= 0. */
export function windowStart(days: number, now: Date, timeZone: string): string | null {
  if (days <= 0) return null;
  return DateTime.fromJSDate(now, { zone: timeZone })
    .startOf('day')
    .minus({ days: days - 1 })
    .toISODate();
}
