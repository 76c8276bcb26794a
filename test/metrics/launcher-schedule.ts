import type { Client } from '@temporalio/client';
import { PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import { FIXTURE_TZ } from '../fixtures/metrics-fixture';

/**
 * A paused copy of the daily schedule (02:00 in the fixture's zone) on a test's own task queue:
 * a backfill of it starts the scheduled launcher exactly as the real schedule would.
 */
export function createDailyLauncherSchedule(client: Client, scheduleId: string, taskQueue: string) {
  return client.schedule.create({
    scheduleId,
    spec: { calendars: [{ hour: 2, minute: 0 }], timezone: FIXTURE_TZ },
    action: {
      type: 'startWorkflow',
      workflowType: 'daily_metrics_batch',
      args: [{ timeZone: FIXTURE_TZ }],
      taskQueue,
      workflowId: `metrics-scheduled/${scheduleId}`,
      typedSearchAttributes: [
        { key: PIPELINE, value: 'metrics' },
        { key: TRIGGERED_BY, value: 'schedule' },
      ],
    },
    state: { paused: true },
  });
}
