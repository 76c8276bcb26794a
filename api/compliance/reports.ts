import { buildDayReports } from '../../activities/compliance/report';
import type { DayReport } from '../../lib/compliance/report';
import type { Database } from '../../lib/db';

/**
 * The reports of a day: the stored ones (07:00, for the previous day), or, for a day not reported
 * yet (today, or a day the report did not run), what the ledger says now, marked provisional.
 */
export async function readReports(db: Database, date: string, configId?: number) {
  const { rows } = await db.query<
    { config_id: string; point_code: string; source: string; standard: string; created_at: Date } & DayReport
  >(
    `SELECT r.config_id, c.point_code, c.source, c.standard, r.expected, r.sent, r.confirmed, r.rejected, r.missing,
            r.late, r.details, r.created_at
       FROM compliance_reports r JOIN compliance_configs c ON c.id = r.config_id
      WHERE r.report_date = $1 AND ($2::bigint IS NULL OR r.config_id = $2)
      ORDER BY r.config_id`,
    [date, configId ?? null],
  );
  if (rows.length > 0)
    return {
      provisional: false,
      items: rows.map(({ config_id, point_code, created_at, ...counts }) => ({
        date,
        configId: Number(config_id),
        pointCode: point_code,
        ...counts,
        computedAt: created_at.toISOString(),
      })),
    };
  const computedAt = new Date().toISOString();
  const live = await buildDayReports(db, date, configId === undefined ? undefined : String(configId));
  return {
    provisional: true,
    items: live.map(({ configId: id, ...report }) => ({ date, configId: Number(id), ...report, computedAt })),
  };
}
