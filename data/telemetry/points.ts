import { setClause } from '../../lib/sql';
import type { Database } from '../../lib/db';
import type { JsonObject } from '../../lib/telemetry/config';
import type { Provider } from '../../lib/telemetry/providers';

/** `telemetry_points`: the catchment points, read by the polls and kept by the API. */

/** A point as a poll needs it: identity, provider, credentials reference and configuration inputs. */
export interface PointRow {
  code: string;
  provider: Provider;
  deviceId: string;
  credentialsRef: string;
  template: JsonObject | null;
  overrides: JsonObject;
  /** The point's sampling frequency: the expected period of its readings. */
  frequencyMinutes: number;
}

export async function loadPoints(db: Database, codes: readonly string[]): Promise<PointRow[]> {
  const { rows } = await db.query<{
    code: string;
    provider: Provider;
    device_id: string;
    credentials_ref: string;
    template: JsonObject | null;
    overrides: JsonObject;
    frequency_minutes: number;
  }>(
    `SELECT p.code, p.provider, p.device_id, p.credentials_ref, t.config AS template, p.overrides, p.frequency_minutes
       FROM telemetry_points p LEFT JOIN telemetry_templates t ON t.name = p.template_name
      WHERE p.code = ANY($1::text[])`,
    [codes],
  );
  return rows.map((row) => ({
    code: row.code,
    provider: row.provider,
    deviceId: row.device_id,
    credentialsRef: row.credentials_ref,
    template: row.template,
    overrides: row.overrides,
    frequencyMinutes: row.frequency_minutes,
  }));
}

/** The active points of one frequency, by provider, each provider's codes in order. */
export async function listActivePointCodes(
  db: Database,
  frequency: number,
): Promise<{ provider: Provider; codes: string[] }[]> {
  const { rows } = await db.query<{ provider: Provider; codes: string[] }>(
    `SELECT provider, array_agg(code ORDER BY code) AS codes FROM telemetry_points
          WHERE status = 'ACTIVE' AND frequency_minutes = $1 GROUP BY provider ORDER BY provider`,
    [frequency],
  );
  return rows;
}

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

const POINT_COLUMNS =
  'code, name, point_type, latitude, longitude, altitude, provider, device_id, credentials_ref, status, frequency_minutes, template_name, overrides';

/** A point as the API shows it. */
function toPoint(row: PointRecord) {
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

export type Point = ReturnType<typeof toPoint>;

export async function pointExists(db: Database, code: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM telemetry_points WHERE code = $1', [code]);
  return Boolean(rowCount);
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

/** The old service's `/points/active` rows: active points, optionally of one frequency or provider. */
export async function listActivePoints(db: Database, filters: { frequency: number | null; provider: string | null }) {
  const { rows } = await db.query<{
    code: string;
    name: string;
    provider: string;
    frequency_minutes: number;
    point_type: string;
  }>(
    `SELECT code, name, provider, frequency_minutes, point_type FROM telemetry_points
          WHERE status = 'ACTIVE' AND ($1::int IS NULL OR frequency_minutes = $1) AND ($2::text IS NULL OR provider = $2)
          ORDER BY code`,
    [filters.frequency, filters.provider],
  );
  return rows;
}

export interface NewPoint {
  code: string;
  name: string;
  type: string;
  latitude: number;
  longitude: number;
  altitude?: number | null;
  provider: string;
  deviceId: string;
  credentialsRef: string;
  status: string;
  frequency: number;
  template?: string | null;
  overrides?: JsonObject;
}

/** Throws PostgreSQL's unique (23505) or foreign-key (23503) violation for a taken code or device, or an unknown template. */
export async function insertPoint(db: Database, point: NewPoint): Promise<Point> {
  const { rows } = await db.query<PointRecord>(
    `INSERT INTO telemetry_points (code, name, point_type, latitude, longitude, altitude, provider, device_id,
                                         credentials_ref, status, frequency_minutes, template_name, overrides)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${POINT_COLUMNS}`,
    [
      point.code,
      point.name,
      point.type,
      point.latitude,
      point.longitude,
      point.altitude ?? null,
      point.provider,
      point.deviceId,
      point.credentialsRef,
      point.status,
      point.frequency,
      point.template ?? null,
      JSON.stringify(point.overrides ?? {}),
    ],
  );
  return toPoint(rows[0]!);
}

/** The columns a PATCH changes (undefined = unchanged); `overrides` as its JSON text. Undefined when there is no such point. */
export async function updatePoint(
  db: Database,
  code: string,
  columns: {
    name?: string;
    point_type?: string;
    latitude?: number;
    longitude?: number;
    altitude?: number | null;
    device_id?: string;
    credentials_ref?: string;
    status?: string;
    frequency_minutes?: number;
    template_name?: string | null;
    overrides?: string;
  },
): Promise<Point | undefined> {
  // Only the columns it names, numbered after the code ($1); names come from the type above.
  const set = setClause(columns, 2);
  const { rows } = await db.query<PointRecord>(
    `UPDATE telemetry_points SET ${set.sql}, updated_at = now()
            WHERE code = $1 RETURNING ${POINT_COLUMNS}`,
    [code, ...set.values],
  );
  return rows[0] && toPoint(rows[0]);
}

/** Its data is kept; undefined when there is no such point. */
export async function deactivatePoint(db: Database, code: string): Promise<Point | undefined> {
  const { rows } = await db.query<PointRecord>(
    `UPDATE telemetry_points SET status = 'INACTIVE', updated_at = now() WHERE code = $1 RETURNING ${POINT_COLUMNS}`,
    [code],
  );
  return rows[0] && toPoint(rows[0]);
}
