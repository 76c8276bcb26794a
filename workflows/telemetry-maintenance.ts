import { proxyActivities } from '@temporalio/workflow';
import type { DeliveryResult } from '../activities/notifications';
import type { createTelemetryActivities } from '../activities/telemetry';
import type { HealthResult } from '../activities/telemetry/health';
import { localDate } from '../lib/time';
import { scheduledTime, tagRun } from './run-context';

type TelemetryActivities = ReturnType<typeof createTelemetryActivities>;

const { checkTelemetryHealth, cleanupTelemetryRawReadings, deliverPendingNotifications } =
  proxyActivities<TelemetryActivities>({
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
