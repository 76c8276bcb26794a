import type { PoolClient } from 'pg';
import type { Reading } from '../../lib/compliance/payload';
import type { Database } from '../../lib/db';
import { qualityOf } from '../../lib/telemetry/quality';
import type { Measurement } from '../../lib/telemetry/rules';

/** `telemetry_measurements`: the one unified table, idempotent on (point, variable, time). */

/** Idempotent on (point, variable, time); `replace` overwrites (reprocessing), otherwise the first write stays. */
export async function insertMeasurements(
  client: PoolClient,
  point: { code: string; provider: string },
  version: string,
  measurements: readonly Measurement[],
  replace = false,
) {
  if (measurements.length === 0) return 0;
  const { rowCount } = await client.query(
    `INSERT INTO telemetry_measurements
       (point_code, variable, measured_at, value_numeric, raw_value, quality_score, provider, flags, config_version)
     SELECT $1, v, t, x, r::jsonb, q, $2, ARRAY(SELECT jsonb_array_elements_text(f::jsonb)), $3
       FROM unnest($4::text[], $5::timestamptz[], $6::float8[], $7::text[], $8::float4[], $9::text[]) AS i(v, t, x, r, q, f)
     ON CONFLICT (point_code, variable, measured_at) DO ${
       replace
         ? `UPDATE SET value_numeric = EXCLUDED.value_numeric, raw_value = EXCLUDED.raw_value,
              quality_score = EXCLUDED.quality_score, flags = EXCLUDED.flags,
              config_version = EXCLUDED.config_version, processed_at = now()`
         : 'NOTHING'
     }`,
    [
      point.code,
      point.provider,
      version,
      measurements.map((m) => m.variable),
      measurements.map((m) => m.measuredAt),
      measurements.map((m) => m.value),
      measurements.map((m) => JSON.stringify(m.rawValue ?? null)),
      measurements.map((m) => m.quality),
      measurements.map((m) => JSON.stringify(m.flags)),
    ],
  );
  return rowCount ?? 0;
}

/** Deletes a point's measurements in [from, to) (to the newest when `to` is null); returns how many. */
export async function deleteMeasurements(client: PoolClient, code: string, from: string, to: string | null) {
  const deleted = await client.query(
    `DELETE FROM telemetry_measurements
      WHERE point_code = $1 AND measured_at >= $2 AND ($3::timestamptz IS NULL OR measured_at < $3)`,
    [code, from, to],
  );
  return deleted.rowCount ?? 0;
}

/**
 * Flags the stored flows of the hours whose flow disagreed with the total (FLOW_TOTAL_CONSISTENCY, quality
 * at most its score): an hour is judged when a later reading closes it, so its flows are usually stored
 * by an earlier poll. Flows an operator accepted (`FLOW_TOTAL_ACCEPTED`) stay as they are.
 */
export async function flagInconsistentFlowHours(client: PoolClient, code: string, hours: readonly string[]) {
  if (hours.length === 0) return 0;
  const { rowCount } = await client.query(
    `UPDATE telemetry_measurements m
        SET flags = array_append(m.flags, 'FLOW_TOTAL_CONSISTENCY'), quality_score = LEAST(m.quality_score, $3)
       FROM unnest($2::timestamptz[]) AS h(hour)
      WHERE m.point_code = $1 AND m.variable = 'flow' AND m.value_numeric IS NOT NULL
        AND m.measured_at >= h.hour AND m.measured_at < h.hour + interval '1 hour'
        AND NOT m.flags && ARRAY['FLOW_TOTAL_CONSISTENCY', 'FLOW_TOTAL_ACCEPTED']`,
    [code, hours, qualityOf(1, ['FLOW_TOTAL_CONSISTENCY'])],
  );
  return rowCount ?? 0;
}

/** The operator's acceptance: the point's flows flagged FLOW_TOTAL_CONSISTENCY in [from, to) become FLOW_TOTAL_ACCEPTED. */
export async function acceptInconsistentFlows(db: Database, code: string, from: Date, to: Date): Promise<number> {
  const updated = await db.query(
    `UPDATE telemetry_measurements
            SET flags = array_append(array_remove(flags, 'FLOW_TOTAL_CONSISTENCY'), 'FLOW_TOTAL_ACCEPTED')
          WHERE point_code = $1 AND variable = 'flow' AND measured_at >= $2 AND measured_at < $3
            AND 'FLOW_TOTAL_CONSISTENCY' = ANY(flags)`,
    [code, from, to],
  );
  return updated.rowCount ?? 0;
}

/** A page of a point's measurements, oldest first; `next` is the `after` of the next page. */
export async function readMeasurements(
  db: Database,
  code: string,
  query: { variable?: string; from?: string; to?: string; after?: string; limit: number },
) {
  const { rows } = await db.query<{
    variable: string;
    measured_at: Date;
    value_numeric: number | null;
    raw_value: unknown;
    quality_score: number;
    flags: string[];
    provider: string;
    config_version: string;
  }>(
    `SELECT variable, measured_at, value_numeric, raw_value, quality_score, flags, provider, config_version
       FROM telemetry_measurements
      WHERE point_code = $1 AND ($2::text IS NULL OR variable = $2)
        AND ($3::timestamptz IS NULL OR measured_at >= $3) AND ($4::timestamptz IS NULL OR measured_at < $4)
        AND ($5::timestamptz IS NULL OR measured_at > $5)
      ORDER BY measured_at, variable LIMIT $6`,
    [code, query.variable ?? null, query.from ?? null, query.to ?? null, query.after ?? null, query.limit + 1],
  );
  // A page ends at an instant boundary, so `after` never splits the variables of one instant.
  let page = rows.slice(0, query.limit);
  let next: string | null = null;
  if (rows.length > query.limit) {
    const last = page.at(-1)!.measured_at.getTime();
    if (rows[query.limit]!.measured_at.getTime() === last) {
      const whole = page.filter((row) => row.measured_at.getTime() < last);
      if (whole.length > 0) page = whole;
    }
    next = page.at(-1)!.measured_at.toISOString();
  }
  return {
    items: page.map((row) => ({
      variable: row.variable,
      measuredAt: row.measured_at.toISOString(),
      value: row.value_numeric,
      rawValue: row.raw_value,
      quality: row.quality_score,
      flags: row.flags,
      provider: row.provider,
      configVersion: row.config_version,
    })),
    next,
  };
}

/**
 * The point's stored measurements within `toleranceMs` of each slot, per variable: what a slot's
 * payload is built from (the compliance planner reads them; only telemetry writes this table).
 */
export async function readReadingsNearSlots(
  db: Database,
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
