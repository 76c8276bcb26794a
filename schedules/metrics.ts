import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { MetricsBatchInput } from '../workflows/metrics/batch';
import { RUN_TIMEOUT, type MetricsJobId } from '../lib/metrics/catalog';
import type { ScheduleContext, ScheduleDeclaration } from './types';

/** The old service's three jobs; each schedule's id is the job id, so the API finds a job's schedule by it. */
export function metricsSchedules({ timeZone }: ScheduleContext): ScheduleDeclaration<MetricsJobId>[] {
  // No date: each run derives its date from its scheduled time and runs under the business id.
  const input: MetricsBatchInput = { timeZone };
  const schedule = (
    job: MetricsJobId,
    description: string,
    calendar: ScheduleDeclaration<MetricsJobId>['calendars'][number],
  ): ScheduleDeclaration<MetricsJobId> => ({
    id: job,
    description,
    taskQueue: 'metrics',
    target: job,
    calendars: [calendar],
    workflowType: job,
    args: [input],
    workflowIdPrefix: `metrics-scheduled/${job}`,
    // A late run for one date never skips another date's run: they queue.
    overlap: ScheduleOverlapPolicy.BUFFER_ALL,
    catchupWindow: '30 minutes',
    workflowExecutionTimeout: RUN_TIMEOUT,
  });
  return [
    schedule('daily_metrics_batch', 'Daily metrics of the previous local day', {
      hour: 2,
      minute: 0,
      comment: 'every day at 02:00',
    }),
    schedule('weekly_metrics_batch', 'Weekly metrics of the 7 days ending the previous Sunday', {
      dayOfWeek: 'MONDAY',
      hour: 3,
      minute: 0,
      comment: 'Mondays at 03:00',
    }),
    schedule('cleanup_metrics', 'Deletes expired metrics and eventos older than 30 days', {
      dayOfWeek: 'SUNDAY',
      hour: 4,
      minute: 0,
      comment: 'Sundays at 04:00',
    }),
  ];
}
