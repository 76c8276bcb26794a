import { ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { TRIGGERED_BY } from '../../lib/search-attributes';
import { toScheduleOptions } from '../../schedules/apply';
import type { AnyScheduleDeclaration } from '../../schedules/types';
import { conflict } from '../http/problem';

export interface StartedRun {
  workflowId: string;
  runId: string;
}

/**
 * Runs a schedule's action now, started by the API itself so that the run carries
 * `TriggeredBy = api` like every run the API starts. Temporal's own trigger cannot be told apart
 * from a calendar run inside the workflow (it gets the same search attributes), so it is not used.
 *
 * The run is the schedule's action (type, arguments, queue, timeout, search attributes), not one
 * of the schedule's actions: under SKIP it is refused while a run of the schedule is going, and
 * the schedule does not wait for it. Its id is the schedule's prefix and the start time to the
 * millisecond, so it never takes the id of a scheduled run (those end in whole seconds).
 */
export async function startScheduleActionNow(
  client: Client,
  declaration: AnyScheduleDeclaration,
  { timeZone, now = new Date() }: { timeZone: string; now?: Date },
): Promise<StartedRun> {
  // Also answers 404 (ScheduleNotFoundError) for a declared schedule that was never applied.
  const description = await client.schedule.getHandle(declaration.id).describe();
  if (declaration.overlap === ScheduleOverlapPolicy.SKIP) {
    const running =
      description.info.runningActions[0]?.workflow.workflowId ?? (await runningRunOf(client, declaration));
    if (running) {
      throw conflict(`A run of this schedule is still running (${running}); its overlap policy skips new ones`);
    }
  }
  const { action } = toScheduleOptions(declaration, { timeZone });
  const attributes =
    action.typedSearchAttributes instanceof TypedSearchAttributes
      ? action.typedSearchAttributes.getAll()
      : (action.typedSearchAttributes ?? []);
  try {
    const handle = await client.workflow.start(action.workflowType, {
      taskQueue: action.taskQueue,
      workflowId: `${action.workflowId}-${now.toISOString()}`,
      args: action.args,
      workflowExecutionTimeout: action.workflowExecutionTimeout,
      typedSearchAttributes: [
        ...attributes.filter((pair) => pair.key.name !== TRIGGERED_BY.name),
        { key: TRIGGERED_BY, value: 'api' },
      ],
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw conflict(`A run of this schedule was started this very millisecond (${error.workflowId}); try again`);
    }
    throw error;
  }
}

/** A running run under the schedule's workflow id prefix: one the API started, or the schedule. */
async function runningRunOf(client: Client, declaration: AnyScheduleDeclaration): Promise<string | undefined> {
  if (/['"\\]/.test(declaration.workflowIdPrefix)) throw new RangeError('workflow id prefixes must not hold quotes');
  const query = `WorkflowId STARTS_WITH '${declaration.workflowIdPrefix}-' AND ExecutionStatus = 'Running'`;
  for await (const info of client.workflow.list({ query, pageSize: 1 })) return info.workflowId;
  return undefined;
}
