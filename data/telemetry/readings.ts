import type { PoolClient } from 'pg';
import type { Database } from '../../lib/db';
import type { RawReading } from '../../lib/telemetry/rules';

/** `telemetry_raw_readings`: readings as the provider gave them (kept 30 days), the input of every recompute. */

/** Idempotent on (point, variable, time): returns the readings that were not stored yet. */
export async function insertRawReadings(
  client: PoolClient,
  code: string,
  readings: readonly RawReading[],
): Promise<RawReading[]> {
  if (readings.length === 0) return [];
  const key = (variable: string, at: string | Date) => `${variable}@${new Date(at).toISOString()}`;
  // Most of a poll is the re-read overlap, already stored: its keys (an index range) are cheaper to
  // read than the rows are to send again.
  const times = readings.map((r) => Date.parse(r.measuredAt));
  const existing = await client.query<{ variable: string; measured_at: Date }>(
    `SELECT variable, measured_at FROM telemetry_raw_readings
      WHERE point_code = $1 AND measured_at BETWEEN $2 AND $3`,
    [code, new Date(Math.min(...times)), new Date(Math.max(...times))],
  );
  const stored = new Set(existing.rows.map((row) => key(row.variable, row.measured_at)));
  const fresh = readings.filter((r) => !stored.has(key(r.variable, r.measuredAt)));
  if (fresh.length === 0) return [];
  const { rows } = await client.query<{ variable: string; measured_at: Date }>(
    `INSERT INTO telemetry_raw_readings (point_code, variable, measured_at, value, unit, raw)
     SELECT $1, v, t, x, u, r::jsonb FROM unnest($2::text[], $3::timestamptz[], $4::float8[], $5::text[], $6::text[]) AS i(v, t, x, u, r)
     ON CONFLICT DO NOTHING RETURNING variable, measured_at`,
    [
      code,
      fresh.map((r) => r.variable),
      fresh.map((r) => r.measuredAt),
      fresh.map((r) => r.value),
      fresh.map((r) => r.unit ?? null),
      fresh.map((r) => JSON.stringify(r.raw ?? null)),
    ],
  );
  const inserted = new Set(rows.map((row) => key(row.variable, row.measured_at)));
  return fresh.filter((r) => inserted.has(key(r.variable, r.measuredAt)));
}

/** A point's raw readings before `to` and after `after` (either null: unbounded), oldest first. */
export async function loadRawReadings(
  client: PoolClient,
  code: string,
  to: string | null,
  after: string | null,
): Promise<RawReading[]> {
  const { rows } = await client.query<{
    variable: string;
    measured_at: Date;
    value: number;
    unit: string | null;
    raw: unknown;
  }>(
    `SELECT variable, measured_at, value, unit, raw FROM telemetry_raw_readings
      WHERE point_code = $1 AND ($2::timestamptz IS NULL OR measured_at < $2)
        AND ($3::timestamptz IS NULL OR measured_at > $3) ORDER BY measured_at, variable`,
    [code, to, after],
  );
  return rows.map((row) => ({
    variable: row.variable,
    value: row.value,
    unit: row.unit ?? undefined,
    measuredAt: row.measured_at.toISOString(),
    raw: row.raw,
  }));
}

/** Whether the point has a raw reading at or after `at`. */
export async function hasRawReadingsFrom(client: PoolClient, code: string, at: string): Promise<boolean> {
  const newer = await client.query(
    'SELECT 1 FROM telemetry_raw_readings WHERE point_code = $1 AND measured_at >= $2 LIMIT 1',
    [code, at],
  );
  return newer.rowCount !== 0;
}

/** Raw readings older than the retention are deleted (measurements stay). */
export async function cleanupRawReadings(db: Database, olderThan: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM telemetry_raw_readings WHERE measured_at < $1', [olderThan]);
  return rowCount ?? 0;
}
