import { proxyActivities } from '@temporalio/workflow';
import type { DeliveryResult } from '../../platform/notifications/delivery';
import type { createNotificationActivities } from '../../platform/notifications/delivery';
import type { createComplianceReportActivities, ReportResult } from '../../activities/compliance/report';
import { regulatorDate } from '../../lib/compliance/calendar';
import { previousDay } from '../../lib/compliance/report';
import { scheduledTime, tagRun } from '../run-context';

const { computeComplianceReports, deliverPendingNotifications } = proxyActivities<
  ReturnType<typeof createComplianceReportActivities> & ReturnType<typeof createNotificationActivities>
>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/**
 * Daily at 07:00: the compliance report of the regulators' previous day (UTC−4 calendar), per
 * configuration, stored and sent to the points' subscribers. The day comes from the scheduled
 * time, so a late or repeated run reports the same day; an operator recomputes a past day by
 * starting it with `day`.
 */
export async function complianceDailyReport(input: {
  timeZone: string;
  day?: string;
}): Promise<ReportResult & { delivered: DeliveryResult }> {
  const day = input.day ?? previousDay(regulatorDate(scheduledTime()));
  tagRun({ target: 'daily-report', businessDate: day });
  const report = await computeComplianceReports({ day });
  return { ...report, delivered: await deliverPendingNotifications({}) };
}
