import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { DeliveryResult } from '../../platform/notifications/delivery';
import type { createTelemetryActivities, PointBatch, PointOutcome } from '../../activities/telemetry';
import { FAILED_STEPS } from '../../lib/search-attributes';
import type { Frequency, Provider } from '../../lib/telemetry/providers';
import { localDate } from '../../lib/time';
import { scheduledTime, tagRun } from '../run-context';

type TelemetryActivities = ReturnType<typeof createTelemetryActivities>;

export interface TelemetryCycleInput {
  frequency: Frequency;
  /** PIPELINES_TZ: the run is filed under its local business date. */
  timeZone: string;
  /** Points per activity. @default 25 */
  batchSize?: number;
  /** Batches of one provider in flight at once: the per-provider bound. @default 2 */
  providerConcurrency?: number;
  /** Points of one batch polled at once. @default 4 */
  pointConcurrency?: number;
  /** How long a batch may go without a heartbeat before another worker retries it. @default '1 minute' */
  heartbeatTimeout?: string;
  /** Where a point's first poll starts. @default 60 */
  initialLookbackMinutes?: number;
}

export interface FailedPoint {
  code: string;
  provider: Provider;
  errorType: string;
  error: string;
}

export interface TelemetryCycleResult {
  frequency: Frequency;
  points: number;
  succeeded: number;
  readings: number;
  measurements: number;
  byProvider: Partial<Record<Provider, { points: number; failed: number; measurements: number }>>;
  /** The first 200 failed points and why (`failedCount` has them all). */
  failed: FailedPoint[];
  failedCount: number;
  alertsOpened: number;
  notifications?: DeliveryResult;
}

const FAILED_LISTED = 200;

/**
 * One polling cycle of a frequency (what `collect_by_frequency` did under Celery): the active points of that
 * frequency, in batches of one provider, each provider in its own lane of at most
 * `providerConcurrency` batches, so a slow or failing provider only delays itself. A point's
 * failure is its outcome; the cycle completes and lists it (and sets `FailedSteps`). Batches keep
 * the history at a few events per batch, not per point.
 */
export async function telemetryPollCycle(input: TelemetryCycleInput): Promise<TelemetryCycleResult> {
  tagRun({ target: `frequency-${input.frequency}`, businessDate: localDate(scheduledTime(), input.timeZone) });
  const { listTelemetryPointBatches } = proxyActivities<TelemetryActivities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumInterval: '10 seconds' },
  });
  const { pollTelemetryBatch } = proxyActivities<TelemetryActivities>({
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: input.heartbeatTimeout ?? '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
  });

  const { deliverPendingNotifications } = proxyActivities<TelemetryActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: input.heartbeatTimeout ?? '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
  });

  const batches = await listTelemetryPointBatches({ frequency: input.frequency, batchSize: input.batchSize ?? 25 });
  const lanes = new Map<Provider, PointBatch[]>();
  for (const batch of batches) lanes.set(batch.provider, [...(lanes.get(batch.provider) ?? []), batch]);

  const outcomes: (PointOutcome & { provider: Provider })[] = [];
  const pollBatch = async (batch: PointBatch) => {
    try {
      const results = await pollTelemetryBatch({
        ...batch,
        concurrency: input.pointConcurrency,
        initialLookbackMinutes: input.initialLookbackMinutes,
      });
      for (const outcome of results) outcomes.push({ ...outcome, provider: batch.provider });
    } catch (error) {
      // An operator's cancel ends the cycle (Canceled); committed points stay committed.
      if (isCancellation(error)) throw error;
      // The batch itself failed (every attempt): each of its points is reported with the reason.
      const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : error;
      for (const code of batch.codes)
        outcomes.push({
          code,
          provider: batch.provider,
          ok: false,
          readings: 0,
          measurements: 0,
          alertsOpened: 0,
          errorType: (cause as ApplicationFailure).type ?? 'BatchFailed',
          error: (cause as Error).message,
        });
    }
  };
  const lane = async (queue: PointBatch[]) => {
    for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) await pollBatch(batch);
  };
  await Promise.all(
    [...lanes.values()].flatMap((queue) => Array.from({ length: input.providerConcurrency ?? 2 }, () => lane(queue))),
  );

  // The alerts this cycle opened were written with their outbox rows; send them (and any left over).
  const notifications = await deliverPendingNotifications({});
  return { ...summarise(input.frequency, outcomes), notifications };
}

function summarise(frequency: Frequency, outcomes: (PointOutcome & { provider: Provider })[]): TelemetryCycleResult {
  const failed = outcomes
    .filter((outcome) => !outcome.ok)
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((o) => ({ code: o.code, provider: o.provider, errorType: o.errorType ?? 'Error', error: o.error ?? '' }));
  const byProvider: TelemetryCycleResult['byProvider'] = {};
  for (const outcome of outcomes) {
    const entry = (byProvider[outcome.provider] ??= { points: 0, failed: 0, measurements: 0 });
    entry.points += 1;
    entry.measurements += outcome.measurements;
    if (!outcome.ok) entry.failed += 1;
  }
  if (failed.length > 0) {
    // Findable in the UI (`FailedSteps IS NOT NULL`); a Keyword holds a bounded list.
    const listed = failed.slice(0, 20).map((f) => f.code);
    const more = failed.length > listed.length ? `,+${failed.length - listed.length} more` : '';
    upsertSearchAttributes([{ key: FAILED_STEPS, value: `${listed.join(',')}${more}` }]);
  }
  return {
    frequency,
    points: outcomes.length,
    succeeded: outcomes.length - failed.length,
    readings: outcomes.reduce((sum, o) => sum + o.readings, 0),
    measurements: outcomes.reduce((sum, o) => sum + o.measurements, 0),
    byProvider,
    failed: failed.slice(0, FAILED_LISTED),
    failedCount: failed.length,
    alertsOpened: outcomes.reduce((sum, o) => sum + o.alertsOpened, 0),
  };
}
