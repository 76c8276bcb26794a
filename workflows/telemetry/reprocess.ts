import { proxyActivities } from '@temporalio/workflow';
import type { createTelemetryActivities } from '../../activities/telemetry';
import type { ReprocessResult } from '../../activities/telemetry/reprocess';
import { localDate } from '../../lib/time';
import { tagRun } from '../run-context';

type TelemetryActivities = ReturnType<typeof createTelemetryActivities>;

export interface TelemetryReprocessInput {
  code: string;
  from: string;
  to: string;
  /** PIPELINES_TZ: the run is filed under the local date of `from`. */
  timeZone: string;
  /** @default '1 minute' */
  heartbeatTimeout?: string;
}

/**
 * Reprocessing of one point (after an operator fixes a constant): its measurements in [from, to)
 * recomputed from the stored raw readings with its current configuration, in one transaction.
 */
export async function telemetryReprocessPoint(input: TelemetryReprocessInput): Promise<ReprocessResult> {
  tagRun({ target: input.code, businessDate: localDate(new Date(input.from), input.timeZone) });
  const { reprocessTelemetryPoint } = proxyActivities<TelemetryActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: input.heartbeatTimeout ?? '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
  });
  return reprocessTelemetryPoint({ code: input.code, from: input.from, to: input.to });
}
