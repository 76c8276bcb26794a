import type { Database } from '../../lib/db';
import { effectiveConfig } from '../../lib/telemetry/config';
import { EMPTY_POINT_STATE, processReadings, type RawReading } from '../../lib/telemetry/rules';
import { insertMeasurements, loadPoints, saveConfigVersion } from './store';

export interface ReprocessInput {
  code: string;
  /** ISO instants: measurements in [from, to) are recomputed. */
  from: string;
  to: string;
}

export interface ReprocessResult {
  code: string;
  configVersion: string;
  replaced: number;
  computed: number;
  /** True when the range reached the newest raw reading, so the live state moved on with it. */
  stateUpdated: boolean;
}

/**
 * Recomputes a point's measurements in [from, to) from its stored raw readings with its current
 * configuration, starting from the state the rules reach on the raw readings before `from`
 * (from the oldest one kept). In one transaction that holds the point's state row, so a polling
 * cycle of that point waits: the range's measurements are replaced, and when the range reaches
 * the newest reading the live state is replaced too, so polling continues from the new constants.
 */
export async function reprocessPoint(db: Database, input: ReprocessInput): Promise<ReprocessResult> {
  const [point] = await loadPoints(db, [input.code]);
  if (!point) throw new Error(`point ${input.code} no longer exists`);
  const { config, version } = effectiveConfig(point.template, point.overrides);
  await saveConfigVersion(db, version, config);
  return db.withTransaction(async (client) => {
    await client.query('INSERT INTO telemetry_point_state (point_code) VALUES ($1) ON CONFLICT DO NOTHING', [
      point.code,
    ]);
    await client.query('SELECT 1 FROM telemetry_point_state WHERE point_code = $1 FOR UPDATE', [point.code]);
    const { rows } = await client.query<{
      variable: string;
      measured_at: Date;
      value: number;
      unit: string | null;
      raw: unknown;
    }>(
      `SELECT variable, measured_at, value, unit, raw FROM telemetry_raw_readings
        WHERE point_code = $1 AND measured_at < $2 ORDER BY measured_at, variable`,
      [point.code, input.to],
    );
    const readings: RawReading[] = rows.map((row) => ({
      variable: row.variable,
      value: row.value,
      unit: row.unit ?? undefined,
      measuredAt: row.measured_at.toISOString(),
      raw: row.raw,
    }));
    const fromMs = Date.parse(input.from);
    const before = readings.filter((r) => Date.parse(r.measuredAt) < fromMs);
    const inRange = readings.filter((r) => Date.parse(r.measuredAt) >= fromMs);
    const start = processReadings(EMPTY_POINT_STATE, before, config).state;
    const result = processReadings(start, inRange, config);
    const deleted = await client.query(
      'DELETE FROM telemetry_measurements WHERE point_code = $1 AND measured_at >= $2 AND measured_at < $3',
      [point.code, input.from, input.to],
    );
    const computed = await insertMeasurements(client, point, version, result.measurements, true);
    const newer = await client.query(
      'SELECT 1 FROM telemetry_raw_readings WHERE point_code = $1 AND measured_at >= $2 LIMIT 1',
      [point.code, input.to],
    );
    const stateUpdated = newer.rowCount === 0 && readings.length > 0;
    if (stateUpdated)
      await client.query(
        'UPDATE telemetry_point_state SET state = $2, updated_at = clock_timestamp() WHERE point_code = $1',
        [point.code, JSON.stringify(result.state)],
      );
    return { code: point.code, configVersion: version, replaced: deleted.rowCount ?? 0, computed, stateUpdated };
  });
}
