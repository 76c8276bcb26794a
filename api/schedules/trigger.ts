import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import { conflict } from '../http/problem';

export interface StartedRun {
  workflowId: string;
  runId: string;
}

const actionRuns = (description: ScheduleDescription): StartedRun[] =>
  [
    ...description.info.runningActions.map((action) => action.workflow),
    ...description.info.recentActions.map((result) => result.action.workflow),
  ].map((workflow) => ({ workflowId: workflow.workflowId, runId: workflow.firstExecutionRunId }));

/**
 * Triggers the schedule now, under its own overlap policy (a manual run obeys the same
 * concurrency rule as a scheduled one), then watches the schedule for the run that trigger
 * started: one whose workflow id it did not list before. Temporal does not return it.
 */
export async function triggerAndFindRun(
  handle: ScheduleHandle,
  overlap: ScheduleOverlapPolicy,
  { timeoutMs = 5_000, pollMs = 200 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<StartedRun | undefined> {
  const before = await handle.describe();
  const running = before.info.runningActions[0];
  if (running && overlap === ScheduleOverlapPolicy.SKIP) {
    // The trigger would be dropped silently: say so instead of answering 202 for nothing.
    throw conflict(
      `A run of this schedule is still running (${running.workflow.workflowId}); its overlap policy skips new ones`,
    );
  }
  const known = new Set(actionRuns(before).map((run) => run.workflowId));
  await handle.trigger(overlap);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = actionRuns(await handle.describe()).find((run) => !known.has(run.workflowId));
    if (started || Date.now() + pollMs > deadline) return started;
    await sleep(pollMs);
  }
}
