import { type Client, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { Config } from '../../lib/config';
import { BUSINESS_DATE, PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../../lib/search-attributes';
import { runLinks } from '../http/links';
import { runOutcome, type FailureView } from './failure';
import type { RunStatus } from './visibility-query';

/** Run views: Temporal's execution info in the API's JSON shape (see `schemas/runs.ts`). */

export type RunStatusView = RunStatus | 'Paused' | 'Unknown';

const STATUS_VIEWS: Partial<Record<WorkflowExecutionInfo['status']['name'], RunStatusView>> = {
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Canceled',
  TERMINATED: 'Terminated',
  TIMED_OUT: 'TimedOut',
  CONTINUED_AS_NEW: 'ContinuedAsNew',
  PAUSED: 'Paused',
};

const iso = (date: Date | undefined | null) => (date ? date.toISOString() : null);

export function toRunSummary(config: Config, info: Omit<WorkflowExecutionInfo, 'raw'>) {
  const attributes = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    status: STATUS_VIEWS[info.status.name] ?? 'Unknown',
    taskQueue: info.taskQueue,
    startTime: info.startTime.toISOString(),
    closeTime: iso(info.closeTime),
    pipeline: attributes.get(PIPELINE) ?? null,
    target: attributes.get(PIPELINE_TARGET) ?? null,
    businessDate: attributes.get(BUSINESS_DATE) ?? null,
    triggeredBy: attributes.get(TRIGGERED_BY) ?? null,
    ...runLinks(config, info.workflowId, info.runId),
  };
}

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;
const ACTIVITY_STATE_PREFIX = 'PENDING_ACTIVITY_STATE_';

/**
 * The detail view adds what an operator opens a run for: its progress (the heartbeat details of
 * its pending activities, decoded with the client's data converter), its result or its failure.
 */
export async function toRunDetail(config: Config, client: Client, description: WorkflowExecutionDescription) {
  const converter = client.options.loadedDataConverter;
  const pendingActivities = await Promise.all(
    (description.raw.pendingActivities ?? []).map(async (activity: PendingActivity) => {
      const details = await decodeArrayFromPayloads(converter, activity.heartbeatDetails?.payloads);
      const stateName = temporal.api.enums.v1.PendingActivityState[activity.state ?? 0] ?? 'UNSPECIFIED';
      return {
        activityId: activity.activityId ?? '',
        activityType: activity.activityType?.name ?? '',
        state: stateName.replace(ACTIVITY_STATE_PREFIX, ''),
        attempt: activity.attempt ?? 1,
        maximumAttempts: activity.maximumAttempts ?? 0,
        scheduledTime: iso(optionalTsToDate(activity.scheduledTime)),
        lastStartedTime: iso(optionalTsToDate(activity.lastStartedTime)),
        lastHeartbeatTime: iso(optionalTsToDate(activity.lastHeartbeatTime)),
        // Activities heartbeat one value (rows, pages, offsets); several are kept as an array.
        heartbeatDetails: details.length <= 1 ? (details[0] ?? null) : details,
        lastFailure: activity.lastFailure?.message ?? null,
      };
    }),
  );
  return {
    ...toRunSummary(config, description),
    historyLength: description.historyLength,
    cancelRequested: description.raw.workflowExtendedInfo?.cancelRequested ?? false,
    memo: description.memo ?? {},
    pendingActivities,
    ...(await outcome(client, description)),
  };
}

/** Closed, and not by success: the statuses whose close event carries a failure. */
const FAILED_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED']);

async function outcome(client: Client, description: WorkflowExecutionDescription) {
  const status = description.status.name;
  if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW' || status === 'PAUSED')
    return { result: null, failure: null };
  return runOutcome(client, description.workflowId, description.runId);
}

/**
 * A list item: the summary, plus the root cause of a run that ended badly, so a list of failed runs
 * says why each failed. Only those runs cost a read (their close event), a few at a time.
 */
export async function toRunListItems(config: Config, client: Client, infos: Omit<WorkflowExecutionInfo, 'raw'>[]) {
  const items = infos.map((info) => ({ ...toRunSummary(config, info), failure: null as FailureView | null }));
  const failed = infos.flatMap((info, index) => (FAILED_STATUSES.has(info.status.name) ? [index] : []));
  for (let start = 0; start < failed.length; start += LIST_FAILURE_READS) {
    await Promise.all(
      failed.slice(start, start + LIST_FAILURE_READS).map(async (index) => {
        const info = infos[index]!;
        // One run whose close event cannot be read (gone past retention) leaves its failure unknown, not the list.
        const outcome = await runOutcome(client, info.workflowId, info.runId).catch(() => ({ failure: null }));
        items[index]!.failure = outcome.failure;
      }),
    );
  }
  return items;
}

const LIST_FAILURE_READS = 8;
