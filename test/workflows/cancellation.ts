import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';

/**
 * Asserts a cancelled run ended Canceled (not Completed, not Failed), and returns how many of its
 * activities ended cancelled (ActivityTaskCanceled: they stopped because they were asked to).
 */
export async function expectCanceled(handle: WorkflowHandle): Promise<{ activitiesCanceled: number }> {
  const failure = await handle.result().then(
    (result: unknown) => new Error(`the run completed: ${JSON.stringify(result)}`),
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const description = await handle.describe();
  expect(description.status.name).toBe('CANCELLED');
  expect(description.raw.pendingActivities ?? []).toEqual([]);
  const { events } = await handle.fetchHistory();
  return { activitiesCanceled: (events ?? []).filter((event) => event.activityTaskCanceledEventAttributes).length };
}
