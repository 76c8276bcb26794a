import { WorkflowNotFoundError } from '@temporalio/client';
import { ensureComplianceWorkflow, requestSubmitNow } from '../../lib/compliance/workflow-client';
import { complianceStateQuery, configWorkflowId } from '../../workflows/compliance/types';
import type { ApiDeps } from '../deps';

/**
 * A configuration's entity workflow (`compliance-config/<id>`) serializes every send of its work:
 * the API wakes it (starting it if none runs) when a configuration changes or an operator asks for
 * a slot now, and asks it what it is doing.
 */
export async function signalConfigWorkflow(
  deps: ApiDeps,
  configId: number,
  signal: true | { submitNow: string },
): Promise<string> {
  const id = String(configId);
  const { workflowId } =
    signal === true
      ? await ensureComplianceWorkflow(deps.client, id, { signal })
      : await requestSubmitNow(deps.client, id, signal.submitNow);
  return workflowId;
}

export interface SendingState {
  state: string;
  workflowId: string;
  nextWakeAt: string | null;
}

/** How long the status route waits for a worker to answer the entity workflow's query. */
const QUERY_DEADLINE_MS = 3_000;

/**
 * The entity workflow's own account of itself; `not-running` when none is open, `no-worker` when no
 * worker of the `compliance` queue answered in time (its sending is paused until one runs).
 */
export async function readSendingState(deps: ApiDeps, configId: number): Promise<SendingState> {
  const workflowId = configWorkflowId(String(configId));
  const handle = deps.client.workflow.getHandle(workflowId);
  const notRunning = { state: 'not-running', workflowId, nextWakeAt: null };
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return notRunning;
    const state = await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
      handle.query(complianceStateQuery),
    );
    return { state: state.state, workflowId, nextWakeAt: state.nextWakeAt ?? null };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return notRunning;
    if (isDeadline(error)) return { state: 'no-worker', workflowId, nextWakeAt: null };
    // It may have closed between the describe and the query (e.g. deactivated meanwhile).
    const closed = await handle
      .describe()
      .then(({ status }) => status.name !== 'RUNNING')
      .catch(() => false);
    if (closed) return notRunning;
    throw error;
  }
}

/** gRPC DEADLINE_EXCEEDED (code 4), however the client wraps it. */
function isDeadline(error: unknown): boolean {
  for (let e = error as { code?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === 4) return true;
  return false;
}
