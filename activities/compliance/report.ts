import type { Database } from '../../lib/db';
import type { Standard } from '../../lib/compliance/standards';
import { regulatorDayEnd, regulatorDayStart } from '../../lib/compliance/calendar';
import { dayReport, expectedSlots, reportLine, type DayReport, type LedgerSlot } from '../../lib/compliance/report';
import { enqueueNotifications } from '../../data/notifications/outbox';

export interface ReportResult {
  day: string;
  configs: number;
  missing: number;
  notifications: number;
}

export interface ConfigDayReport extends DayReport {
  configId: string;
  pointCode: string;
  source: string;
  standard: Standard;
}

/**
 * What the ledger says of `day` now, per configuration that was active and sends: the stored
 * report's content, and the API's provisional answer for a day not reported yet (today).
 */
export async function buildDayReports(db: Database, day: string, configId?: string): Promise<ConfigDayReport[]> {
  const [start, end] = [regulatorDayStart(day), regulatorDayEnd(day)];
  const { rows: configs } = await db.query<{
    id: string;
    point_code: string;
    source: string;
    standard: Standard;
    active_from: string;
    active_to: string | null;
  }>(
    `SELECT id, point_code, source, standard, to_char(active_from, 'YYYY-MM-DD') AS active_from,
            to_char(active_to, 'YYYY-MM-DD') AS active_to
       FROM compliance_configs
      WHERE standard IN ('MAYOR', 'MEDIO', 'SMA') AND active_from <= $1::date AND (active_to IS NULL OR active_to >= $1::date)
        AND ($2::bigint IS NULL OR id = $2)
      ORDER BY id`,
    [day, configId ?? null],
  );
  const reports: ConfigDayReport[] = [];
  for (const config of configs) {
    const { rows } = await db.query<LedgerSlot>(
      `SELECT s.slot, s.status, s.reason, s.receipt,
              (SELECT min(a.started_at) FROM compliance_attempts a
                WHERE a.config_id = s.config_id AND a.slot = s.slot AND a.kind = 'SUBMIT') AS "firstAttemptAt"
         FROM compliance_submissions s WHERE s.config_id = $1 AND s.slot >= $2 AND s.slot < $3`,
      [config.id, start, end],
    );
    const expected = expectedSlots(config.standard, day, { from: config.active_from, to: config.active_to });
    reports.push({
      configId: config.id,
      pointCode: config.point_code,
      source: config.source,
      standard: config.standard,
      ...dayReport(expected, rows),
    });
  }
  return reports;
}

/**
 * The daily compliance report of `day`: one row per configuration, each written with its
 * notification to the point's subscribers in one transaction. Running it again replaces the counts
 * with the ledger's current ones and notifies no one twice (the outbox is keyed by the report's day
 * and configuration).
 */
export async function computeComplianceReports(db: Database, day: string): Promise<ReportResult> {
  const result: ReportResult = { day, configs: 0, missing: 0, notifications: 0 };
  for (const report of await buildDayReports(db, day)) {
    await db.withTransaction(async (client) => {
      await client.query(
        `INSERT INTO compliance_reports (report_date, config_id, expected, sent, confirmed, rejected, missing, late, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (report_date, config_id) DO UPDATE SET expected = EXCLUDED.expected, sent = EXCLUDED.sent,
           confirmed = EXCLUDED.confirmed, rejected = EXCLUDED.rejected, missing = EXCLUDED.missing,
           late = EXCLUDED.late, details = EXCLUDED.details, created_at = now()`,
        [
          day,
          report.configId,
          report.expected,
          report.sent,
          report.confirmed,
          report.rejected,
          report.missing,
          report.late,
          JSON.stringify(report.details),
        ],
      );
      result.notifications += await enqueueNotifications(client, {
        about: `compliance-report:${day}:${report.configId}`,
        type: 'compliance.daily_report',
        subject: report.pointCode,
        title: `compliance ${day}: ${report.confirmed}/${report.expected} confirmed, ${report.missing} missing`,
        text: reportLine(report, report),
        data: { day, ...report, configId: Number(report.configId) },
      });
    });
    result.configs += 1;
    result.missing += report.missing;
  }
  return result;
}

/** The report lines of a day for the points a user follows, for the 08:00 daily summary. */
export async function reportLinesFor(db: Database, day: string, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ pointCode: string; source: string; standard: string } & DayReport>(
    `SELECT c.point_code AS "pointCode", c.source, c.standard, r.expected, r.sent, r.confirmed, r.rejected, r.missing,
            r.late, r.details
       FROM compliance_reports r JOIN compliance_configs c ON c.id = r.config_id
      WHERE r.report_date = $1
        AND EXISTS (SELECT 1 FROM notification_subscriptions s
                     WHERE s.user_id = $2 AND (s.subject = '*' OR s.subject = c.point_code))
      ORDER BY c.point_code, c.source`,
    [day, userId],
  );
  return rows.map((row) => reportLine(row, row));
}

/** The report's activities, registered on the `compliance` task queue. */
export function createComplianceReportActivities({ db }: { db: Database }) {
  return {
    computeComplianceReports: (input: { day: string }) => computeComplianceReports(db, input.day),
  };
}
