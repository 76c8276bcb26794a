import type { Reading } from '../../lib/compliance/payload';
import type { QueryRunner } from './configs';

/**
 * The point's stored measurements within `toleranceMs` of each slot, per variable: what a slot's
 * payload is built from. Reads telemetry's table; compliance never writes it.
 */
export async function readReadingsNearSlots(
  db: QueryRunner,
  pointCode: string,
  slots: Date[],
  variables: (string | undefined)[],
  toleranceMs: number,
) {
  const { rows } = await db.query<{
    slot: Date;
    variable: Reading['variable'];
    measured_at: Date;
    value: number;
    flags: string[];
  }>(
    `SELECT s.t AS slot, m.variable, m.measured_at, m.value_numeric AS value, m.flags
       FROM unnest($2::timestamptz[]) AS s(t) CROSS JOIN unnest($3::text[]) AS v(variable)
       CROSS JOIN LATERAL (
         SELECT variable, measured_at, value_numeric, flags FROM telemetry_measurements
          WHERE point_code = $1 AND variable = v.variable AND value_numeric IS NOT NULL
            AND measured_at BETWEEN s.t - $4 * interval '1 millisecond' AND s.t + $4 * interval '1 millisecond') m`,
    [pointCode, slots, variables, toleranceMs],
  );
  return rows;
}
