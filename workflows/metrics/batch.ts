import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityCancellationType,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowOptions,
} from '@temporalio/workflow';
import type { MetricsActivities } from '../../activities/metrics';
import { TRIGGERS, type Trigger } from '../../lib/families';
import { FAILED_STEPS, PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import { scheduledTime, tagRun } from '../run-context';
import {
  CLEANUP_TASKS,
  DAILY_METRICS,
  metricsWorkflowId,
  RUN_TIMEOUT,
  WEEKLY_METRICS,
  type MetricsJobId,
} from '../../lib/metrics/catalog';
import { dailyDateFor, dayPeriod, localDateOf, weeklyEndFor, weekPeriod, type Period } from '../../lib/metrics/periods';

/** @see MetricsBatchInput.heartbeatTimeout */
export const METRICS_HEARTBEAT_TIMEOUT = '1 minute';

function metricsActivities(input: MetricsBatchInput) {
  return proxyActivities<MetricsActivities>({
    startToCloseTimeout: '10 minutes',
    // Activities heartbeat while their statement runs: a dead worker's work is retried after this.
    heartbeatTimeout: input.heartbeatTimeout ?? METRICS_HEARTBEAT_TIMEOUT,
    // A cancelled run ends only once its activities have stopped and rolled back. Explicit: left
    // out, the SDK's core applies TRY_CANCEL (whatever its docs say), and the run would end first.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // Bounded retries (about 1.5 minutes of backoff): a database restart is ridden out, while a
    // metric that keeps failing is reported in the result instead of holding the batch.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
  });
}

export interface MetricsBatchInput {
  /** PIPELINES_TZ: the local days the periods are made of. */
  timeZone: string;
  /**
   * The local date the run is for (daily: `fecha`, weekly: `fecha_fin`, cleanup: its day). A
   * schedule leaves it out: the run derives it from its scheduled time and runs the batch under
   * its business id (`metrics-daily/<fecha>`) as a child, so it joins any run for that date.
   */
  date?: string;
  /**
   * Cleanup only: the instant expired data is measured against. A scheduled run passes its
   * scheduled time to the child it starts; otherwise the run's own start.
   */
  asOf?: string;
  /**
   * How long a metric activity may go without a heartbeat (it heartbeats every second) before it
   * is retried elsewhere: the time a dead worker costs. Passed on to the child of a scheduled run.
   * @default METRICS_HEARTBEAT_TIMEOUT ('1 minute')
   */
  heartbeatTimeout?: string;
}

export type MetricOutcome =
  { metric: string; status: 'ok'; rows: number } | { metric: string; status: 'failed'; error: string };

export interface MetricsBatchResult {
  job: MetricsJobId;
  date: string;
  /** The window computed; for cleanup, `fin` is the instant expired data was measured against. */
  periodo: Period;
  metrics: MetricOutcome[];
  /** The metrics that failed (also the run's `FailedSteps` search attribute). */
  failed: string[];
}

/** A scheduled run whose date already had a run going: that run computes it. */
export interface JoinedRun {
  job: MetricsJobId;
  date: string;
  joined: string;
}

/** Daily batch (the old service's `daily_metrics_batch`, 02:00): the four daily metrics of one local day. */
export async function dailyMetricsBatch(input: MetricsBatchInput): Promise<MetricsBatchResult | JoinedRun> {
  const job = 'daily_metrics_batch';
  if (input.date === undefined) return runUnderBusinessId(job, dailyDateFor(scheduledTime(), input.timeZone), input);
  const periodo = dayPeriod(input.date, input.timeZone);
  tagRun({ target: job, businessDate: input.date });
  const activities = metricsActivities(input);
  const metrics = await runEach(DAILY_METRICS, (metric) =>
    activities[metric]({ periodo, timeZone: input.timeZone }).then(({ rows }) => rows),
  );
  return finish(job, input.date, periodo, metrics);
}

/** Weekly batch (the old service's `weekly_metrics_batch`, Monday 03:00): the 7 days ending `date`, vs the 7 before. */
export async function weeklyMetricsBatch(input: MetricsBatchInput): Promise<MetricsBatchResult | JoinedRun> {
  const job = 'weekly_metrics_batch';
  if (input.date === undefined) return runUnderBusinessId(job, weeklyEndFor(scheduledTime(), input.timeZone), input);
  const periodo = weekPeriod(input.date, input.timeZone);
  tagRun({ target: job, businessDate: input.date });
  const activities = metricsActivities(input);
  const metrics = await runEach(WEEKLY_METRICS, (metric) =>
    activities[metric]({ periodo, timeZone: input.timeZone }).then(({ rows }) => rows),
  );
  return finish(job, input.date, { inicio: periodo.inicio, fin: periodo.fin }, metrics);
}

/**
 * Cleanup (the old service's `cleanup_metrics`, Sunday 04:00): expired metric rows and `eventos` older than
 * 30 days, both measured from the run's scheduled time (or start). `rows` counts deleted rows.
 */
export async function cleanupMetrics(input: MetricsBatchInput): Promise<MetricsBatchResult | JoinedRun> {
  const job = 'cleanup_metrics';
  const asOf = input.asOf === undefined ? scheduledTime() : new Date(input.asOf);
  if (input.date === undefined) return runUnderBusinessId(job, localDateOf(asOf, input.timeZone), input);
  tagRun({ target: job, businessDate: input.date });
  const activities = metricsActivities(input);
  const metrics = await runEach(CLEANUP_TASKS, (task) =>
    activities[task]({ asOf: asOf.toISOString() }).then(({ deleted }) => deleted),
  );
  return finish(job, input.date, { inicio: asOf.toISOString(), fin: asOf.toISOString() }, metrics);
}

/**
 * Runs every step on its own: a failed one is recorded with its error and the others go on.
 * Steps run concurrently; each holds one database connection while it computes. A cancelled run
 * is not a failed step: once every step has settled (stopped and rolled back), the cancellation
 * is rethrown and the run ends Canceled.
 */
async function runEach<N extends string>(names: readonly N[], step: (name: N) => Promise<number>) {
  const settled = await Promise.allSettled(names.map((name) => step(name)));
  const cancelled = settled.find((outcome) => outcome.status === 'rejected' && isCancellation(outcome.reason));
  if (cancelled) throw (cancelled as PromiseRejectedResult).reason;
  return settled.map((outcome, index): MetricOutcome => {
    const metric = names[index]!;
    if (outcome.status === 'fulfilled') return { metric, status: 'ok', rows: outcome.value };
    const error = outcome.reason as { cause?: Error; message?: string };
    return { metric, status: 'failed', error: (error.cause ?? error).message ?? String(error) };
  });
}

function finish(job: MetricsJobId, date: string, periodo: Period, metrics: MetricOutcome[]): MetricsBatchResult {
  const failed = metrics.filter((outcome) => outcome.status === 'failed').map((outcome) => outcome.metric);
  if (failed.length > 0) upsertSearchAttributes([{ key: FAILED_STEPS, value: failed.join(',') }]);
  return { job, date, periodo, metrics, failed };
}

/**
 * A scheduled run: starts the batch for `date` under its business id and returns its result.
 * If a run for that date is already going (started from the API), that one is left to finish.
 */
async function runUnderBusinessId(
  job: MetricsJobId,
  date: string,
  input: MetricsBatchInput,
): Promise<MetricsBatchResult | JoinedRun> {
  tagRun({ target: job, businessDate: date });
  const workflowId = metricsWorkflowId(job, date);
  const attributes = workflowInfo().typedSearchAttributes;
  // The batch is tagged like the run that started it: a schedule's calendar, a backfill, or the API
  // (a schedule's trigger route starts this launcher itself, tagged `api`).
  const parentTrigger = attributes.get(TRIGGERED_BY);
  const triggeredBy: Trigger = TRIGGERS.find((trigger) => trigger === parentTrigger) ?? 'schedule';
  const options: ChildWorkflowOptions = {
    workflowId,
    workflowExecutionTimeout: RUN_TIMEOUT,
    // Cancelling this run cancels the batch it started (and waits for it to stop). If this run is
    // terminated or times out instead, the batch is asked to cancel too, so it rolls back rather
    // than being cut off. A batch this run only joined (started from the API) is never touched.
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    typedSearchAttributes: [
      { key: PIPELINE, value: attributes.get(PIPELINE) ?? 'metrics' },
      { key: TRIGGERED_BY, value: triggeredBy },
    ],
  };
  try {
    // By type name: the functions are registered under the old service's job ids (workflows/index.ts).
    const asOf = scheduledTime().toISOString();
    return await executeChild<typeof dailyMetricsBatch>(job, { ...options, args: [{ ...input, date, asOf }] });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { job, date, joined: workflowId };
    throw error;
  }
}
