import type { PoolClient } from 'pg';
import type { Database } from '../../lib/db';
import type { AlertCondition } from '../../lib/telemetry/alerts';
import type { StateCheckpoint } from '../../lib/telemetry/checkpoints';
import { VARIABLES, type JsonObject, type Variable } from '../../lib/telemetry/config';
import type { Provider } from '../../lib/telemetry/providers';
import { qualityOf } from '../../lib/telemetry/quality';
import { EMPTY_POINT_STATE, type Measurement, type PointState, type RawReading } from '../../lib/telemetry/rules';

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

export interface PointProgress {
  /** Per variable: the newest reading processed. */
  watermarks: Partial<Record<Variable, Date>>;
  /** Per variable: until when the late-readings overlap is re-read (lib/telemetry/overlap.ts). */
  reReadUntil: Partial<Record<Variable, Date>>;
  state: PointState;
  /** Oldest first (lib/telemetry/checkpoints.ts). */
  checkpoints: StateCheckpoint[];
  /** The state row's version, to detect a concurrent poll of the same point. */
  revision: string | null;
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

/** Reads with the pool, or inside a transaction (with `lock`, holding the point's state row). */
type Reader = { query: Database['query'] } | PoolClient;

export async function loadProgress(reader: Reader, code: string, lock = false): Promise<PointProgress> {
  const db = reader as { query: Database['query'] };
  const state = await db.query<{ state: PointState; checkpoints: StateCheckpoint[]; revision: string }>(
    `SELECT state, checkpoints, updated_at::text AS revision FROM telemetry_point_state WHERE point_code = $1${lock ? ' FOR UPDATE' : ''}`,
    [code],
  );
  const marks = await db.query<{ variable: string; watermark: Date; reread_until: Date | null }>(
    'SELECT variable, watermark, reread_until FROM telemetry_variable_state WHERE point_code = $1',
    [code],
  );
  const watermarks: Partial<Record<Variable, Date>> = {};
  const reReadUntil: Partial<Record<Variable, Date>> = {};
  for (const row of marks.rows) {
    if (!(VARIABLES as readonly string[]).includes(row.variable)) continue;
    watermarks[row.variable as Variable] = row.watermark;
    if (row.reread_until) reReadUntil[row.variable as Variable] = row.reread_until;
  }
  const saved = state.rows[0]?.state;
  // A point never polled has an empty state row (created by `ensureProgressRow`).
  return {
    watermarks,
    reReadUntil,
    state: saved?.total ? saved : EMPTY_POINT_STATE,
    checkpoints: state.rows[0]?.checkpoints ?? [],
    revision: state.rows[0]?.revision ?? null,
  };
}

/** So two polls of a new point serialise on its state row like any other. */
export async function ensureProgressRow(db: Database, code: string): Promise<void> {
  await db.query('INSERT INTO telemetry_point_state (point_code) VALUES ($1) ON CONFLICT DO NOTHING', [code]);
}

export async function saveConfigVersion(db: Database, version: string, config: unknown): Promise<void> {
  await db.query(
    'INSERT INTO telemetry_config_versions (version, config) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING',
    [version, JSON.stringify(config)],
  );
}

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

export async function saveProgress(
  client: PoolClient,
  code: string,
  watermarks: Partial<Record<Variable, string>>,
  state: PointState,
  checkpoints: readonly StateCheckpoint[],
  reReadUntil: Partial<Record<Variable, Date>>,
) {
  const entries = Object.entries(watermarks) as [Variable, string][];
  // The poll holds the point's state row, so the re-read bound it computed from the row it read is the one to keep.
  if (entries.length > 0)
    await client.query(
      `INSERT INTO telemetry_variable_state (point_code, variable, watermark, reread_until)
       SELECT $1, v, w, u FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS i(v, w, u)
       ON CONFLICT (point_code, variable) DO UPDATE SET watermark = GREATEST(telemetry_variable_state.watermark, EXCLUDED.watermark),
         reread_until = EXCLUDED.reread_until, updated_at = now()`,
      [code, entries.map(([v]) => v), entries.map(([, w]) => w), entries.map(([v]) => reReadUntil[v] ?? null)],
    );
  await client.query(
    `INSERT INTO telemetry_point_state (point_code, state, checkpoints) VALUES ($1, $2, $3)
     ON CONFLICT (point_code) DO UPDATE SET state = EXCLUDED.state, checkpoints = EXCLUDED.checkpoints,
       updated_at = clock_timestamp()`,
    [code, JSON.stringify(state), JSON.stringify(checkpoints)],
  );
}

/** Opens (or counts) the raised conditions and resolves the cleared ones; returns the ids of alerts opened. */
export async function applyAlertConditions(client: PoolClient, code: string, conditions: readonly AlertCondition[]) {
  const opened: { id: string; condition: AlertCondition }[] = [];
  for (const condition of conditions) {
    if (condition.count > 0) {
      const { rows } = await client.query<{ id: string; inserted: boolean }>(
        `INSERT INTO telemetry_alerts (point_code, variable, rule, severity, message, first_at, last_at, count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (point_code, variable, rule) WHERE status = 'OPEN'
         DO UPDATE SET count = telemetry_alerts.count + EXCLUDED.count, message = EXCLUDED.message,
                       last_at = GREATEST(telemetry_alerts.last_at, EXCLUDED.last_at)
         RETURNING id::text, (xmax = 0) AS inserted`,
        [
          code,
          condition.variable,
          condition.rule,
          condition.severity,
          condition.message,
          condition.firstAt,
          condition.lastAt,
          condition.count,
        ],
      );
      if (rows[0]?.inserted) opened.push({ id: rows[0].id, condition });
    }
  }
  // One statement for every condition that cleared (most of them, most of the time).
  const cleared = conditions.filter((condition) => !condition.active);
  if (cleared.length > 0)
    await client.query(
      `UPDATE telemetry_alerts a SET status = 'RESOLVED', resolved_at = now()
         FROM unnest($2::text[], $3::text[]) AS c(variable, rule)
        WHERE a.point_code = $1 AND a.variable = c.variable AND a.rule = c.rule AND a.status = 'OPEN'`,
      [code, cleared.map((c) => c.variable), cleared.map((c) => c.rule)],
    );
  return opened;
}

/** Opens (or counts) a provider's alert, or resolves it when the condition cleared; returns the id opened. */
export async function applyProviderAlert(
  client: PoolClient,
  provider: string,
  condition: AlertCondition,
): Promise<string | undefined> {
  if (!condition.active) {
    await client.query(
      `UPDATE telemetry_alerts SET status = 'RESOLVED', resolved_at = now()
        WHERE provider = $1 AND point_code IS NULL AND rule = $2 AND status = 'OPEN'`,
      [provider, condition.rule],
    );
    return undefined;
  }
  const { rows } = await client.query<{ id: string; inserted: boolean }>(
    `INSERT INTO telemetry_alerts (provider, variable, rule, severity, message, first_at, last_at, count)
     VALUES ($1, '*', $2, $3, $4, $5, $6, $7)
     ON CONFLICT (provider, rule) WHERE status = 'OPEN' AND point_code IS NULL
     DO UPDATE SET count = telemetry_alerts.count + EXCLUDED.count, message = EXCLUDED.message,
                   last_at = GREATEST(telemetry_alerts.last_at, EXCLUDED.last_at)
     RETURNING id::text, (xmax = 0) AS inserted`,
    [
      provider,
      condition.rule,
      condition.severity,
      condition.message,
      condition.firstAt,
      condition.lastAt,
      condition.count,
    ],
  );
  return rows[0]?.inserted ? rows[0].id : undefined;
}
