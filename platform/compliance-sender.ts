import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Trigger } from '../lib/families';
import { BUSINESS_DATE, PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../lib/search-attributes';
import { regulatorDate } from '../lib/compliance/calendar';
import {
  COMPLIANCE_TASK_QUEUE,
  senderWorkflowId,
  slotWorkflowId,
  wakeSignal,
  type WakeArgs,
} from '../lib/compliance/sender-contract';
import type { ComplianceSenderInput } from '../workflows/compliance/types';
import type { WorkflowArgs, WorkflowType, Workflows } from '../workflows/types';

// Started by their type: a renamed workflow or a changed input fails to compile here.
const SENDER = 'complianceSender' satisfies WorkflowType;
const SLOT = 'complianceSlot' satisfies WorkflowType;

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
    args: [{ maxHistoryEvents: SENDER_MAX_HISTORY_EVENTS, ...options.input }] satisfies WorkflowArgs<typeof SENDER>,
    typedSearchAttributes: [
      { key: PIPELINE, value: 'compliance' },
      { key: PIPELINE_TARGET, value: 'sender' },
      { key: TRIGGERED_BY, value: options.triggeredBy ?? 'api' },
    ],
  };
  if (options.wake) {
    await client.workflow.signalWithStart<Workflows[typeof SENDER], WakeArgs>(SENDER, {
      ...common,
      signal: wakeSignal,
      signalArgs: [{ configIds: options.wake }],
    });
    return { workflowId, started: false };
  }
  try {
    await client.workflow.start<Workflows[typeof SENDER]>(SENDER, common);
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
    const handle = await client.workflow.start<Workflows[typeof SLOT]>(SLOT, {
      workflowId,
      taskQueue: options.taskQueue ?? COMPLIANCE_TASK_QUEUE,
      args: [{ configId, slot, heartbeatTimeout: options.heartbeatTimeout }],
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
