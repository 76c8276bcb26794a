import { listDailySummaryAlerts } from '../../data/telemetry';
import type { Database } from '../../lib/db';
import { regulatorDate } from '../../lib/compliance/calendar';
import { previousDay } from '../../lib/compliance/report';
import { enqueueEmail } from '../../data/notifications';
import { reportLinesFor } from '../../data/compliance';

/**
 * The daily summary (08:00) for users who ask for it: the alerts of the points they follow (and of
 * those points' providers) that were open during the last day, and the compliance report (07:00) of
 * the regulators' previous day for those points. One email outbox row per user and day, keyed by the day: a
 * retried or repeated run writes nothing twice.
 */
export async function enqueueDailySummaries(db: Database, day: string, until: Date): Promise<number> {
  const since = new Date(until.getTime() - 86_400_000);
  const rows = await listDailySummaryAlerts(db, since, until);
  const reportDay = previousDay(regulatorDate(until));
  let written = 0;
  for (const row of rows) {
    const compliance = await reportLinesFor(db, reportDay, row.user_id);
    const about = `telemetry-daily-summary:${day}`;
    const open = row.alerts.filter((a) => a.status === 'OPEN').length;
    const lines = row.alerts.map((a) => `- ${a.point} ${a.rule}: ${a.status.toLowerCase()}, ${a.count} time(s)`);
    const event = {
      about,
      type: 'telemetry.daily_summary',
      subject: 'daily summary',
      title: `${day}: ${row.alerts.length} alert(s), ${open} still open`,
      text: [
        lines.length > 0 ? lines.join('\n') : 'No alerts on the points you follow.',
        ...(compliance.length > 0 ? [`\nCompliance report of ${reportDay}:`, ...compliance.map((l) => `- ${l}`)] : []),
      ].join('\n'),
      data: { day, alerts: row.alerts, compliance: { day: reportDay, reports: compliance } },
    };
    written += await enqueueEmail(db, event, row.user_id);
  }
  return written;
}
