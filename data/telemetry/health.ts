import type { Database } from '../../lib/db';

/** `telemetry_point_health`: how each point's polls went, for the health check. */

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

export interface ActivePointHealth {
  code: string;
  provider: string;
  /** No new reading for more than `silentAfterPeriods` of its periods (since its creation when it has none). */
  silent: boolean;
  /** Every active point of its provider failed at least `providerDownAfter` polls in a row. */
  provider_down: boolean;
}

/** The active points, by code, judged at `now`. */
export async function loadActivePointHealth(
  db: Database,
  now: Date,
  providerDownAfter: number,
  silentAfterPeriods: number,
): Promise<ActivePointHealth[]> {
  const { rows } = await db.query<ActivePointHealth>(
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
    [now, providerDownAfter, silentAfterPeriods],
  );
  return rows;
}
