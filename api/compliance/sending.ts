import { WorkflowNotFoundError } from '@temporalio/client';
import { ensureComplianceSender, requestSubmitNow } from '../../lib/compliance/workflow-client';
import { senderStateQuery, senderWorkflowId } from '../../workflows/compliance/types';
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
 * Where the work's sending stands: the last plan's state from its row (`sending` while claimed),
 * `not-running` when no sender runs, `no-worker` when no worker of the `compliance` queue answered
 * the sender's query in time (sending is paused until one runs).
 */
export async function readSendingState(
  deps: ApiDeps,
  work: { status: string; sendState: string; nextPlanAt: Date | null; claimed: boolean },
): Promise<SendingState> {
  const workflowId = senderWorkflowId();
  const nextWakeAt =
    work.nextPlanAt && Number.isFinite(work.nextPlanAt.getTime()) ? work.nextPlanAt.toISOString() : null;
  if (work.status === 'INACTIVE') return { state: 'stopped', workflowId, nextWakeAt: null };
  if (work.status === 'BLOCKED') return { state: 'blocked', workflowId, nextWakeAt: null };
  const handle = deps.client.workflow.getHandle(workflowId);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return { state: 'not-running', workflowId, nextWakeAt };
    await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(senderStateQuery));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { state: 'not-running', workflowId, nextWakeAt };
    if (isDeadline(error)) return { state: 'no-worker', workflowId, nextWakeAt };
    throw error;
  }
  return { state: work.claimed ? 'sending' : work.sendState, workflowId, nextWakeAt };
}

/** gRPC DEADLINE_EXCEEDED (code 4), however the client wraps it. */
function isDeadline(error: unknown): boolean {
  for (let e = error as { code?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === 4) return true;
  return false;
}
