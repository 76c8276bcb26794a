import { ActivityCancellationType, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createPlatformActivities } from '../../activities/platform/index';
import { localDate } from '../../lib/time';
import { scheduledTime, tagRun } from '../run-context';

// The activity heartbeats while its statement runs, so a cancelled run rolls it back (and ends
// once it has; explicit: left out, the SDK's core applies TRY_CANCEL). Its 30-second timeout is
// shorter than any heartbeat timeout would be.
const { recordCanary } = proxyActivities<ReturnType<typeof createPlatformActivities>>({
  startToCloseTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumInterval: '30 seconds' },
});

export interface CanaryInput {
  /** IANA zone of the business day the run is filed under (PIPELINES_TZ). */
  timeZone: string;
}

export interface CanaryResult {
  scheduledFor: string;
  /** False when a retry found the row already written. */
  recorded: boolean;
}

/**
 * The platform canary: a scheduled run that writes one row, proving that schedules, the
 * worker and the database work together. `/health` reads how long ago it last succeeded.
 */
export async function platformCanary(input: CanaryInput): Promise<CanaryResult> {
  const scheduledFor = scheduledTime();
  tagRun({ target: 'canary', businessDate: localDate(scheduledFor, input.timeZone) });
  const { recorded } = await recordCanary({
    scheduledFor: scheduledFor.toISOString(),
    workflowId: workflowInfo().workflowId,
  });
  return { scheduledFor: scheduledFor.toISOString(), recorded };
}
