/** The OTT time bands, in the CV platform's names and order. */
export const BANDS = ['Madrugada', 'Mañana', 'Tarde', 'Noche'] as const;
export type Band = (typeof BANDS)[number];

/** The band of a local time of day (`HH:mm…`): 00–05 Madrugada, 06–11 Mañana, 12–17 Tarde, 18–23 Noche. */
export function bandOf(timeDate: string): Band {
  const hour = Number(timeDate.slice(0, 2));
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`not a time of day: ${timeDate}`);
  return BANDS[Math.floor(hour / 6)]!;
}

/** The same rule in SQL over a `time` column, for the rollups (tested against `bandOf`). */
export function bandSql(column: string): string {
  return `(ARRAY['Madrugada','Mañana','Tarde','Noche'])[floor(extract(hour from ${column}) / 6)::int + 1]`;
}

/** The old service's key suffixes: lower case in `totals` (`…madrugada`), capitalised in `graphs` (`graphottMañana`). */
export const bandKey = (band: Band) => band.toLowerCase();
