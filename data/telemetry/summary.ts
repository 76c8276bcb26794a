import type { Database } from '../../lib/db';

/** Reads across the telemetry tables: the daily summary's alerts per user, and the API's stats. */

export interface SummaryAlert {
  point: string;
  rule: string;
  status: string;
  count: number;
}

/**
 * Per user who asked for the daily summary (and has an email): the alerts open during [since, until)
 * on the points they follow, and on those points' providers.
 */
export async function listDailySummaryAlerts(
  db: Database,
  since: Date,
  until: Date,
): Promise<{ user_id: string; alerts: SummaryAlert[] }[]> {
  const { rows } = await db.query<{ user_id: string; alerts: SummaryAlert[] }>(
    `SELECT u.id::text AS user_id,
            COALESCE(json_agg(json_build_object('point', COALESCE(a.point_code, 'provider ' || a.provider), 'rule', a.rule,
                                                'status', a.status, 'count', a.count)
                     ORDER BY a.point_code, a.provider, a.rule) FILTER (WHERE a.id IS NOT NULL), '[]') AS alerts
       FROM notification_users u
       LEFT JOIN telemetry_alerts a ON a.last_at >= $1 AND a.first_at < $2
        AND EXISTS (SELECT 1 FROM notification_subscriptions s
                     WHERE s.user_id = u.id AND (s.subject = '*' OR s.subject = a.point_code
                        -- an alert about a provider: for the followers of any of its points
                        OR s.subject IN (SELECT p.code FROM telemetry_points p WHERE p.provider = a.provider)))
      WHERE u.daily_summary AND u.email IS NOT NULL
      GROUP BY u.id`,
    [since, until],
  );
  return rows;
}

/** Points per status, measurements per provider in the last hour, open alerts. */
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
