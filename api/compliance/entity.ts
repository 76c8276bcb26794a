import { WorkflowNotFoundError } from '@temporalio/client';
import { PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../../lib/search-attributes';
import type { ApiDeps } from '../deps';

/**
 * A configuration's entity workflow (`compliance-config/<id>`), which serializes every send of its
 * work: the API wakes it (starting it if none runs) when a configuration changes or an operator asks
 * for a slot now, and asks it what it is doing.
 */
export const COMPLIANCE_ENTITY_WORKFLOW = 'complianceConfig';
export const complianceEntityId = (configId: number) => `compliance-config/${configId}`;

export async function signalConfigWorkflow(
  deps: ApiDeps,
  configId: number,
  signal: 'configChanged' | 'submitNow',
  signalArgs: unknown[] = [],
): Promise<string> {
  const handle = await deps.client.workflow.signalWithStart(COMPLIANCE_ENTITY_WORKFLOW, {
    taskQueue: 'compliance',
    workflowId: complianceEntityId(configId),
    args: [{ configId: String(configId) }],
    signal,
    signalArgs,
    typedSearchAttributes: [
      { key: PIPELINE, value: 'compliance' },
      { key: PIPELINE_TARGET, value: `config-${configId}` },
      { key: TRIGGERED_BY, value: 'api' },
    ],
  });
  return handle.workflowId;
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
  const workflowId = complianceEntityId(configId);
  const handle = deps.client.workflow.getHandle(workflowId);
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return { state: 'not-running', workflowId, nextWakeAt: null };
    const state = await deps.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
      handle.query<{ state: string; nextWakeAt?: string }>('complianceState'),
    );
    return { state: state.state, workflowId, nextWakeAt: state.nextWakeAt ?? null };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { state: 'not-running', workflowId, nextWakeAt: null };
    if (isDeadline(error)) return { state: 'no-worker', workflowId, nextWakeAt: null };
    throw error;
  }
}

/** gRPC DEADLINE_EXCEEDED (code 4), however the client wraps it. */
function isDeadline(error: unknown): boolean {
  for (let e = error as { code?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.code === 4) return true;
  return false;
}
