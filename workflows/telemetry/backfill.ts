import { proxyActivities } from '@temporalio/workflow';
import type { createTelemetryActivities } from '../../activities/telemetry';
import type { BackfillProgress } from '../../activities/telemetry/backfill';
import { localDate } from '../../lib/time';
import { tagRun } from '../run-context';

type TelemetryActivities = ReturnType<typeof createTelemetryActivities>;

export interface TelemetryBackfillInput {
  code: string;
  /** ISO instants: the provider's readings in [from, to) are loaded. */
  from: string;
  to: string;
  /** PIPELINES_TZ: the run is filed under the local date of `from`. */
  timeZone: string;
  /** @default 360 */
  chunkMinutes?: number;
  /** @default '1 minute' */
  heartbeatTimeout?: string;
}

/**
 * Loading a point's history (an operator adds a well with weeks of logger data): one activity pages
 * through the provider chunk by chunk, each chunk committed on its own and heartbeated, so a retry
 * after a dead worker resumes at the last committed chunk. Only counts travel through the history.
 */
export async function telemetryBackfillPoint(input: TelemetryBackfillInput): Promise<BackfillProgress> {
  tagRun({ target: input.code, businessDate: localDate(new Date(input.from), input.timeZone) });
  const { backfillTelemetryPoint } = proxyActivities<TelemetryActivities>({
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: input.heartbeatTimeout ?? '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
  });
  return backfillTelemetryPoint({
    code: input.code,
    from: input.from,
    to: input.to,
    chunkMinutes: input.chunkMinutes,
  });
}
