import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { AnyScheduleDeclaration, ScheduleContext } from './types';

/**
 * The compliance schedules. Sending itself is not scheduled: the compliance sender keeps its own
 * durable timers. These keep the sender running (started if the API could not reach Temporal, or
 * it was terminated by hand) and verify SENT receipts every
 * 2 hours (the old service's sync). Both are idempotent: SKIP, and a second run changes nothing. The daily
 * report of the regulators' previous day runs at 07:00, before the 08:00 summary that includes it.
 */
export function complianceSchedules({ timeZone }: ScheduleContext): AnyScheduleDeclaration[] {
  return [
    {
      id: 'compliance-ensure',
      description: 'Compliance: the compliance sender is running',
      taskQueue: 'compliance',
      target: 'sender',
      calendars: [{ hour: '*', minute: { start: 0, end: 59, step: 10 }, comment: 'every 10 minutes' }],
      workflowType: 'complianceEnsureSender',
      args: [],
      workflowIdPrefix: 'compliance-ensure',
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '5 minutes',
    },
    {
      id: 'compliance-verify',
      description: 'Compliance: check SENT DGA measurements against the DGA’s record of their receipt',
      taskQueue: 'compliance',
      target: 'verify-sweep',
      calendars: [{ hour: { start: 0, end: 23, step: 2 }, minute: 15, comment: 'every 2 hours at :15' }],
      workflowType: 'complianceVerifySweep',
      args: [],
      workflowIdPrefix: 'compliance-verify',
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '30 minutes',
    },
    {
      id: 'compliance-daily-report',
      description: "Compliance: the previous day's report per configuration, stored and sent to subscribers",
      taskQueue: 'compliance',
      target: 'daily-report',
      calendars: [{ hour: 7, minute: 0, comment: 'daily 07:00' }],
      workflowType: 'complianceDailyReport',
      args: [{ timeZone }],
      workflowIdPrefix: 'compliance-daily-report',
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '30 minutes',
    },
  ];
}
