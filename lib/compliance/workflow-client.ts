import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Trigger } from '../families';
import { PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../search-attributes';
import {
  COMPLIANCE_TASK_QUEUE,
  CONFIG_WORKFLOW_TYPE,
  configChangedSignal,
  configWorkflowId,
  submitNowSignal,
  type ComplianceConfigInput,
} from '../../workflows/compliance/types';

const searchAttributes = (configId: string, triggeredBy: Trigger = 'api') => [
  { key: PIPELINE, value: 'compliance' },
  { key: PIPELINE_TARGET, value: `config-${configId}` },
  { key: TRIGGERED_BY, value: triggeredBy },
];

export interface EnsureOptions {
  /** @default 'compliance' */
  taskQueue?: string;
  /** Also tell a running workflow to plan again (the API after a create or update). @default false */
  signal?: boolean;
  /** @default 'api' */
  triggeredBy?: Trigger;
}

/**
 * Makes sure the configuration's entity workflow runs: started under its business id, or found
 * running. With `signal`, a running one is signalled `configChanged` (signal-with-start), so it
 * plans again at once. Shared by the API and the compliance-ensure schedule.
 */
export async function ensureComplianceWorkflow(
  client: Client,
  configId: string,
  options: EnsureOptions = {},
): Promise<{ workflowId: string; runId: string | undefined; started: boolean }> {
  const workflowId = configWorkflowId(configId);
  const common = {
    workflowId,
    taskQueue: options.taskQueue ?? COMPLIANCE_TASK_QUEUE,
    args: [{ configId } satisfies ComplianceConfigInput],
    typedSearchAttributes: searchAttributes(configId, options.triggeredBy),
  };
  if (options.signal) {
    const handle = await client.workflow.signalWithStart(CONFIG_WORKFLOW_TYPE, {
      ...common,
      signal: configChangedSignal,
      signalArgs: [],
    });
    return { workflowId, runId: handle.signaledRunId, started: false };
  }
  try {
    const handle = await client.workflow.start(CONFIG_WORKFLOW_TYPE, common);
    return { workflowId, runId: handle.firstExecutionRunId, started: true };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, runId: undefined, started: false };
    throw error;
  }
}

/**
 * An operator's "submit now" for a pending or rejected slot, delivered to the entity workflow
 * (started if it was not running). The workflow's plan makes the slot eligible as soon as the
 * sending rules allow; an accepted slot is left alone (the API answers 409 before calling this).
 */
export async function requestSubmitNow(
  client: Client,
  configId: string,
  slot: string,
  options: Omit<EnsureOptions, 'signal'> = {},
): Promise<{ workflowId: string; runId: string }> {
  const workflowId = configWorkflowId(configId);
  const handle = await client.workflow.signalWithStart(CONFIG_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: options.taskQueue ?? COMPLIANCE_TASK_QUEUE,
    args: [{ configId } satisfies ComplianceConfigInput],
    typedSearchAttributes: searchAttributes(configId, options.triggeredBy),
    signal: submitNowSignal,
    signalArgs: [{ slot }],
  });
  return { workflowId, runId: handle.signaledRunId };
}
