import { proxyActivities } from '@temporalio/workflow';
import type { DeliveryResult } from '../../platform/notifications/delivery';
import type { createTelemetryActivities } from '../../activities/telemetry';
import type { HealthResult } from '../../activities/telemetry/health';
import { localDate } from '../../lib/time';
import { scheduledTime, tagRun } from '../run-context';

type TelemetryActivities = ReturnType<typeof createTelemetryActivities>;

const {
  checkTelemetryHealth,
  cleanupTelemetryRawReadings,
  deliverPendingNotifications,
  enqueueTelemetryDailySummaries,
} = proxyActivities<TelemetryActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** Every 10 minutes: silent points and providers that fail every call open alerts (and notify). */
export async function telemetryHealthCheck(input: {
  timeZone: string;
}): Promise<HealthResult & { notifications: DeliveryResult }> {
  tagRun({ target: 'health', businessDate: localDate(scheduledTime(), input.timeZone) });
  const health = await checkTelemetryHealth();
  return { ...health, notifications: await deliverPendingNotifications({}) };
}

/** Daily: raw readings older than the retention (30 days) are deleted; measurements stay. */
export async function telemetryCleanup(input: {
  timeZone: string;
  retentionDays?: number;
}): Promise<{ deleted: number }> {
  const asOf = scheduledTime();
  tagRun({ target: 'raw-readings', businessDate: localDate(asOf, input.timeZone) });
  return cleanupTelemetryRawReadings({ asOf: asOf.toISOString(), retentionDays: input.retentionDays ?? 30 });
}

/** Daily at 08:00: the summary of the last day's alerts to every user who asks for it. */
export async function telemetryDailySummary(input: {
  timeZone: string;
}): Promise<{ enqueued: number; notifications: DeliveryResult }> {
  const until = scheduledTime();
  const day = localDate(until, input.timeZone);
  tagRun({ target: 'daily-summary', businessDate: day });
  const { enqueued } = await enqueueTelemetryDailySummaries({ day, until: until.toISOString() });
  return { enqueued, notifications: await deliverPendingNotifications({}) };
}
