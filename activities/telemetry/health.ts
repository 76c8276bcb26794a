import type { Database } from '../../lib/db';
import type { AlertCondition } from '../../lib/telemetry/alerts';
import { notifyOpenedAlerts, notifyOpenedProviderAlert } from './alerts';
import { applyAlertConditions, applyProviderAlert } from './store';

/** A provider is down when every active point of it failed this many polls in a row. */
export const PROVIDER_DOWN_AFTER = 3;
/** A point is silent when its newest reading is older than this many of its periods. */
export const SILENT_AFTER_PERIODS = 3;

/** Records how a batch's polls went (outside their transactions: a failed poll has none). */
export async function recordPointHealth(
  db: Database,
  outcomes: readonly { code: string; ok: boolean; error?: string }[],
): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `INSERT INTO telemetry_point_health AS h (point_code, last_success_at, last_failure_at, last_error, consecutive_failures)
     SELECT code, CASE WHEN ok THEN now() END, CASE WHEN ok THEN NULL ELSE now() END, error, CASE WHEN ok THEN 0 ELSE 1 END
       FROM unnest($1::text[], $2::boolean[], $3::text[]) AS o(code, ok, error)
      WHERE EXISTS (SELECT 1 FROM telemetry_points p WHERE p.code = o.code)
     ON CONFLICT (point_code) DO UPDATE SET
       last_success_at = COALESCE(EXCLUDED.last_success_at, h.last_success_at),
       last_failure_at = COALESCE(EXCLUDED.last_failure_at, h.last_failure_at),
       last_error = CASE WHEN EXCLUDED.consecutive_failures = 0 THEN h.last_error ELSE EXCLUDED.last_error END,
       consecutive_failures = CASE WHEN EXCLUDED.consecutive_failures = 0 THEN 0 ELSE h.consecutive_failures + 1 END`,
    [outcomes.map((o) => o.code), outcomes.map((o) => o.ok), outcomes.map((o) => o.error ?? null)],
  );
}

export interface HealthResult {
  silentPoints: string[];
  providersDown: string[];
  alertsOpened: number;
}

/**
 * The health check: `NO_DATA` on an active point with no new reading for more than three of its
 * periods, per point; `PROVIDER_DOWN` once for a provider whose every active point failed its last
 * polls. Each check opens, counts or resolves them like the rules' alerts.
 */
export async function checkHealth(db: Database, now: Date): Promise<HealthResult> {
  const { rows } = await db.query<{
    code: string;
    provider: string;
    silent: boolean;
    provider_down: boolean;
  }>(
    `WITH active AS (
       SELECT p.code, p.provider, p.frequency_minutes, p.created_at,
              (SELECT max(s.watermark) FROM telemetry_variable_state s WHERE s.point_code = p.code) AS newest,
              COALESCE(h.consecutive_failures, 0) AS failures
         FROM telemetry_points p LEFT JOIN telemetry_point_health h ON h.point_code = p.code
        WHERE p.status = 'ACTIVE'),
     down AS (
       SELECT provider FROM active GROUP BY provider HAVING bool_and(failures >= $2))
     SELECT a.code, a.provider,
            COALESCE(a.newest, a.created_at) < $1::timestamptz - make_interval(mins => a.frequency_minutes * $3) AS silent,
            a.provider IN (SELECT provider FROM down) AS provider_down
       FROM active a ORDER BY a.code`,
    [now, PROVIDER_DOWN_AFTER, SILENT_AFTER_PERIODS],
  );
  const at = now.toISOString();
  const condition = (rule: string, active: boolean, message: string): AlertCondition => ({
    variable: '*',
    rule,
    severity: 'warning',
    count: active ? 1 : 0,
    firstAt: active ? at : null,
    lastAt: active ? at : null,
    active,
    message,
  });
  let alertsOpened = 0;
  for (const row of rows) {
    await db.withTransaction(async (client) => {
      const opened = await applyAlertConditions(client, row.code, [
        condition('NO_DATA', row.silent, `no new reading for more than ${SILENT_AFTER_PERIODS} periods`),
      ]);
      await notifyOpenedAlerts(client, row, opened);
      alertsOpened += opened.length;
    });
  }
  // One PROVIDER_DOWN per provider (not one per point): opened, counted or resolved with its points' health.
  for (const provider of new Set(rows.map((row) => row.provider))) {
    const points = rows.filter((row) => row.provider === provider);
    const down = points[0]!.provider_down;
    await db.withTransaction(async (client) => {
      const alert = condition('PROVIDER_DOWN', down, `provider ${provider} failed every call of the last polls`);
      const id = await applyProviderAlert(client, provider, alert);
      if (id === undefined) return;
      await notifyOpenedProviderAlert(
        client,
        { provider, points: points.map((p) => p.code) },
        { id, condition: alert },
      );
      alertsOpened += 1;
    });
  }
  // A provider left without active points is not down.
  await db.query(
    `UPDATE telemetry_alerts SET status = 'RESOLVED', resolved_at = now()
      WHERE point_code IS NULL AND rule = 'PROVIDER_DOWN' AND status = 'OPEN' AND provider <> ALL($1::text[])`,
    [[...new Set(rows.map((row) => row.provider))]],
  );
  return {
    silentPoints: rows.filter((r) => r.silent).map((r) => r.code),
    providersDown: [...new Set(rows.filter((r) => r.provider_down).map((r) => r.provider))],
    alertsOpened,
  };
}

/** Raw readings older than the retention are deleted (measurements stay). */
export async function cleanupRawReadings(db: Database, olderThan: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM telemetry_raw_readings WHERE measured_at < $1', [olderThan]);
  return rowCount ?? 0;
}
