import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Trigger } from '../families';
import { BUSINESS_DATE, PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../search-attributes';
import { regulatorDate } from './calendar';
import {
  COMPLIANCE_TASK_QUEUE,
  SENDER_WORKFLOW_TYPE,
  SLOT_WORKFLOW_TYPE,
  senderWorkflowId,
  slotWorkflowId,
  wakeSignal,
  type ComplianceSenderInput,
  type ComplianceSlotInput,
} from '../../workflows/compliance/types';

export interface EnsureOptions {
  /** @default 'compliance' */
  taskQueue?: string;
  /** Configurations created or changed: the sender plans them at once (signal-with-start). */
  wake?: string[];
  /** @default 'api' */
  triggeredBy?: Trigger;
  /** The sender's input when this call starts it (tests: shorter heartbeats). */
  input?: ComplianceSenderInput;
}

/**
 * The sender continues as new past this many events. A worker that restarts replays the whole
 * current run before its first task (and before it answers the status route's query); the
 * workflow's default let a run grow to Temporal's continue-as-new suggestion (4,000 events by
 * default), and a first task after a restart took 15.7 s on a loaded machine. A quarter of that
 * keeps the replay short. Passed in the input, so running senders and recorded histories replay unchanged.
 */
export const SENDER_MAX_HISTORY_EVENTS = 1_000;

/**
 * Makes sure the compliance sender of the task queue runs: started under its id, or found running.
 * With `wake`, it is signalled to plan those configurations now (signal-with-start). Shared by the
 * API (after a create or update) and the compliance-ensure schedule.
 */
export async function ensureComplianceSender(
  client: Client,
  options: EnsureOptions = {},
): Promise<{ workflowId: string; started: boolean }> {
  const taskQueue = options.taskQueue ?? COMPLIANCE_TASK_QUEUE;
  const workflowId = senderWorkflowId(taskQueue);
  const common = {
    workflowId,
    taskQueue,
    args: [{ maxHistoryEvents: SENDER_MAX_HISTORY_EVENTS, ...options.input }] as [ComplianceSenderInput],
    typedSearchAttributes: [
      { key: PIPELINE, value: 'compliance' },
      { key: PIPELINE_TARGET, value: 'sender' },
      { key: TRIGGERED_BY, value: options.triggeredBy ?? 'api' },
    ],
  };
  if (options.wake) {
    await client.workflow.signalWithStart(SENDER_WORKFLOW_TYPE, {
      ...common,
      signal: wakeSignal,
      signalArgs: [{ configIds: options.wake }],
    });
    return { workflowId, started: false };
  }
  try {
    await client.workflow.start(SENDER_WORKFLOW_TYPE, common);
    return { workflowId, started: true };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw error;
  }
}

/**
 * An operator's "submit now" for a pending or rejected slot: the workflow `compliance/<config>/<slot>`
 * sends it as soon as the rules allow (or leaves it queued for the sender). A request while one
 * runs finds that one. An accepted slot is left alone (the API answers 409 before calling this).
 */
export async function requestSubmitNow(
  client: Client,
  configId: string,
  slot: string,
  options: Omit<EnsureOptions, 'wake' | 'input'> & { heartbeatTimeout?: string } = {},
): Promise<{ workflowId: string; runId: string | undefined; started: boolean }> {
  const workflowId = slotWorkflowId(configId, slot);
  try {
    const handle = await client.workflow.start(SLOT_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: options.taskQueue ?? COMPLIANCE_TASK_QUEUE,
      args: [{ configId, slot, heartbeatTimeout: options.heartbeatTimeout } satisfies ComplianceSlotInput],
      typedSearchAttributes: [
        { key: PIPELINE, value: 'compliance' },
        { key: PIPELINE_TARGET, value: `config-${configId}` },
        { key: BUSINESS_DATE, value: regulatorDate(new Date(slot)) },
        { key: TRIGGERED_BY, value: options.triggeredBy ?? 'api' },
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: true };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, runId: undefined, started: false };
    throw error;
  }
}
