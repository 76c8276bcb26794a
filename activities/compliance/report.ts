import type { Database } from '../../lib/db';
import { dayReportsOf, reportLine } from '../../lib/compliance/report';
import { readDayLedgers, upsertDayReport } from '../../data/compliance';
import { enqueueNotifications } from '../../data/notifications/outbox';

export interface ReportResult {
  day: string;
  configs: number;
  missing: number;
  notifications: number;
}

/**
 * The daily compliance report of `day`: one row per configuration, each written with its
 * notification to the point's subscribers in one transaction. Running it again replaces the counts
 * with the ledger's current ones and notifies no one twice (the outbox is keyed by the report's day
 * and configuration).
 */
export async function computeComplianceReports(db: Database, day: string): Promise<ReportResult> {
  const result: ReportResult = { day, configs: 0, missing: 0, notifications: 0 };
  for (const report of dayReportsOf(day, await readDayLedgers(db, day))) {
    await db.withTransaction(async (client) => {
      await upsertDayReport(client, day, report);
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

/** The report's activities, registered on the `compliance` task queue. */
export function createComplianceReportActivities({ db }: { db: Database }) {
  return {
    computeComplianceReports: (input: { day: string }) => computeComplianceReports(db, input.day),
  };
}
