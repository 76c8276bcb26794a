import { WorkflowNotFoundError } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { ensureComplianceSender, requestSubmitNow } from '../../platform/compliance-sender';
import { senderStateQuery, senderWorkflowId } from '../../lib/compliance/sender-contract';
import type { ApiDeps } from '../deps';

/**
 * The API's side of sending: a created or changed configuration wakes the compliance sender
 * (starting it if none runs), so it plans the work at once; an operator's submit starts the slot's
 * own workflow `compliance/<config>/<slot>`. Returns the workflow that will act.
 */
export async function wakeSending(deps: ApiDeps, configId: number, request?: { submitNow: string }): Promise<string> {
  const id = String(configId);
  if (request) return (await requestSubmitNow(deps.client, id, request.submitNow)).workflowId;
  return (await ensureComplianceSender(deps.client, { wake: [id] })).workflowId;
}

export interface SendingState {
  state: string;
  workflowId: string;
  nextWakeAt: string | null;
}

/** How long the status route waits for a worker to answer the sender's query. */
const QUERY_DEADLINE_MS = 3_000;
/**
 * A poller seen this recently means a worker serves the queue: an idle one polls again every
 * minute or so, and one busy replaying (a restart replays the sender's history) shortly after.
 */
export const POLLER_RECENT_MS = 2 * 60_000;

/**
 * Where the work's sending stands: the last plan's state from its row (`sending` while claimed),
 * `not-running` when no sender runs. When no worker answers the sender's query in time, the
 * sender's pending workflow task and the queue's pollers tell why: `busy` if a worker holds its
 * task or polled the queue lately (it is replaying or loaded: the answer comes late),
 * `no-worker` if none did (sending is paused until one runs).
 */
export async function readSendingState(
  deps: Pick<ApiDeps, 'client'>,
  work: { status: string; sendState: string; nextPlanAt: Date | null; claimed: boolean },
  workflowId = senderWorkflowId(),
): Promise<SendingState> {
  const nextWakeAt =
    work.nextPlanAt && Number.isFinite(work.nextPlanAt.getTime()) ? work.nextPlanAt.toISOString() : null;
  if (work.status === 'INACTIVE') return { state: 'stopped', workflowId, nextWakeAt: null };
  if (work.status === 'BLOCKED') return { state: 'blocked', workflowId, nextWakeAt: null };
  const handle = deps.client.workflow.getHandle(workflowId);
  let description: Awaited<ReturnType<typeof handle.describe>> | undefined;
  try {
    description = await handle.describe();
    if (description.status.name !== 'RUNNING') return { state: 'not-running', workflowId, nextWakeAt };
    await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(senderStateQuery));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { state: 'not-running', workflowId, nextWakeAt };
    if (isDeadline(error) && description) {
      // A workflow task a worker has taken and not finished is the surest sign (it is replaying or
      // loaded); else any recent poller of the queue.
      const taken =
        description.raw.pendingWorkflowTask?.state ===
        temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED;
      const busy = taken || (await workerPolledLately(deps, description.taskQueue));
      return { state: busy ? 'busy' : 'no-worker', workflowId, nextWakeAt };
    }
    throw error;
  }
  return { state: work.claimed ? 'sending' : work.sendState, workflowId, nextWakeAt };
}

/** Temporal's record of the workers that polled the queue for workflow tasks (DescribeTaskQueue). */
async function workerPolledLately(deps: Pick<ApiDeps, 'client'>, taskQueue: string): Promise<boolean> {
  const { pollers } = await deps.client.workflowService.describeTaskQueue({
    namespace: deps.client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const now = Date.now();
  return (pollers ?? []).some((poller) => {
    const at = optionalTsToDate(poller.lastAccessTime);
    return at !== undefined && at !== null && now - at.getTime() <= POLLER_RECENT_MS;
  });
}

/**
 * No answer within our deadline, however the client wraps it: gRPC DEADLINE_EXCEEDED (4), or
 * CANCELLED (1), which grpc-js reports instead when the deadline passes while the call is still
 * being set up (seen on a loaded machine).
 */
function isDeadline(error: unknown): boolean {
  for (let e = error as { code?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === 4 || e.code === 1) return true;
  return false;
}
