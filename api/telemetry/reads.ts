import type { Database } from '../../lib/db';
import type { JsonObject } from '../../lib/telemetry/config';
import { notFound } from '../http/problem';

/** The telemetry API's queries: `$n` parameters only, identifiers from code. */

interface PointRecord {
  code: string;
  name: string;
  point_type: string;
  latitude: string;
  longitude: string;
  altitude: string | null;
  provider: string;
  device_id: string;
  credentials_ref: string;
  status: string;
  frequency_minutes: number;
  template_name: string | null;
  overrides: JsonObject;
}

export const POINT_COLUMNS =
  'code, name, point_type, latitude, longitude, altitude, provider, device_id, credentials_ref, status, frequency_minutes, template_name, overrides';

export function toPoint(row: PointRecord) {
  return {
    code: row.code,
    name: row.name,
    type: row.point_type,
    latitude: Number(row.latitude),
    longitude: Number(row.longitude),
    altitude: row.altitude === null ? null : Number(row.altitude),
    provider: row.provider,
    deviceId: row.device_id,
    credentialsRef: row.credentials_ref,
    status: row.status,
    frequency: row.frequency_minutes,
    template: row.template_name,
    overrides: row.overrides,
  };
}

/** For actions on a point: a 404 before anything starts when there is no such point. */
export async function requirePoint(db: Database, code: string): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM telemetry_points WHERE code = $1', [code]);
  if (!rowCount) throw notFound(`No point with code "${code}"`);
}

export async function readPoint(db: Database, code: string) {
  const { rows } = await db.query<PointRecord & { template_config: JsonObject | null }>(
    `SELECT ${POINT_COLUMNS.split(', ')
      .map((c) => `p.${c}`)
      .join(', ')}, t.config AS template_config
       FROM telemetry_points p LEFT JOIN telemetry_templates t ON t.name = p.template_name WHERE p.code = $1`,
    [code],
  );
  const row = rows[0];
  return row ? { point: toPoint(row), templateConfig: row.template_config } : undefined;
}

export async function listPoints(
  db: Database,
  filters: { status?: string; provider?: string; frequency?: number; limit: number; offset: number },
) {
  const where = `WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR provider = $2)
                   AND ($3::int IS NULL OR frequency_minutes = $3)`;
  const params = [filters.status ?? null, filters.provider ?? null, filters.frequency ?? null];
  const { rows } = await db.query<PointRecord>(
    `SELECT ${POINT_COLUMNS} FROM telemetry_points ${where} ORDER BY code LIMIT $4 OFFSET $5`,
    [...params, filters.limit, filters.offset],
  );
  const total = await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM telemetry_points ${where}`, params);
  return { items: rows.map(toPoint), total: Number(total.rows[0]!.n) };
}

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

export async function readAlerts(db: Database, query: { status?: string; point?: string; limit: number }) {
  const { rows } = await db.query<{
    id: string;
    point_code: string | null;
    provider: string | null;
    variable: string;
    rule: string;
    severity: string;
    status: string;
    message: string;
    first_at: Date;
    last_at: Date;
    count: number;
    resolved_at: Date | null;
  }>(
    `SELECT id::text, point_code, provider, variable, rule, severity, status, message, first_at, last_at, count, resolved_at
       FROM telemetry_alerts WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR point_code = $2)
      ORDER BY last_at DESC, id DESC LIMIT $3`,
    [query.status ?? null, query.point ?? null, query.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    point: row.point_code,
    provider: row.provider,
    variable: row.variable,
    rule: row.rule,
    severity: row.severity,
    status: row.status,
    message: row.message,
    firstAt: row.first_at.toISOString(),
    lastAt: row.last_at.toISOString(),
    count: row.count,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
  }));
}

export async function readStats(db: Database) {
  const byStatus = await db.query<{ status: string; n: bigint }>(
    'SELECT status, count(*) AS n FROM telemetry_points GROUP BY status',
  );
  const readings = await db.query<{ provider: string; n: bigint }>(
    `SELECT provider, count(*) AS n FROM telemetry_measurements
      WHERE measured_at > now() - interval '1 hour' GROUP BY provider`,
  );
  const open = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM telemetry_alerts WHERE status = 'OPEN'");
  return {
    pointsByStatus: Object.fromEntries(byStatus.rows.map((r) => [r.status, Number(r.n)])),
    readingsLastHourByProvider: Object.fromEntries(readings.rows.map((r) => [r.provider, Number(r.n)])),
    openAlerts: Number(open.rows[0]!.n),
  };
}
