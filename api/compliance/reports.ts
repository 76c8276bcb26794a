import type { Database } from '../../lib/db';

/** The stored daily reports of a day (compliance_reports), with what they are about. */
export async function readReports(db: Database, date: string, configId?: number) {
  const { rows } = await db.query<{
    config_id: string;
    point_code: string;
    source: string;
    standard: string;
    expected: number;
    sent: number;
    confirmed: number;
    rejected: number;
    missing: number;
    late: number;
    details: Record<string, unknown>;
    created_at: Date;
  }>(
    `SELECT r.config_id, c.point_code, c.source, c.standard, r.expected, r.sent, r.confirmed, r.rejected, r.missing,
            r.late, r.details, r.created_at
       FROM compliance_reports r JOIN compliance_configs c ON c.id = r.config_id
      WHERE r.report_date = $1 AND ($2::bigint IS NULL OR r.config_id = $2)
      ORDER BY r.config_id`,
    [date, configId ?? null],
  );
  return rows.map((row) => ({
    date,
    configId: Number(row.config_id),
    pointCode: row.point_code,
    source: row.source,
    standard: row.standard,
    expected: row.expected,
    sent: row.sent,
    confirmed: row.confirmed,
    rejected: row.rejected,
    missing: row.missing,
    late: row.late,
    details: row.details,
    createdAt: row.created_at.toISOString(),
  }));
}
