import { WorkflowIdConflictPolicy } from '@temporalio/client';
import type { Response } from 'express';
import type { z } from 'zod';
import type { TaskQueue, Trigger } from '../../lib/families';
import { PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../../lib/search-attributes';
import type { WorkflowArgs, WorkflowType } from '../../workflows/types';
import type { ApiDeps } from '../deps';
import { principalOf } from './auth';
import { acceptedRun } from './links';
import type { ActionAcceptedSchema } from './schemas';

/** A start of workflow `T`: the compiler checks its name and the arguments it is given. */
export interface ApiRun<T extends WorkflowType> {
  workflowType: T;
  /** The family's task queue, which is also its `Pipeline` tag. */
  taskQueue: TaskQueue;
  /** The business id: a second request while it runs joins that run. */
  workflowId: string;
  args: WorkflowArgs<T>;
  target?: string;
  /** @default 'api' */
  triggeredBy?: Trigger;
}

/**
 * What every family's action does: start the run under its business id, or join the one already
 * going (USE_EXISTING), tagged for the Temporal UI; log who asked; answer 202 with where to follow it.
 */
export async function startRunAndAccept<T extends WorkflowType>(
  deps: ApiDeps,
  res: Response,
  run: ApiRun<T>,
): Promise<void> {
  // `run` was checked against `T` where it was built; for the generic `T` here the SDK's conditional
  // `args` type cannot be resolved, so the start itself takes the plain workflow type.
  const handle = await deps.client.workflow.start(run.workflowType, {
    taskQueue: run.taskQueue,
    workflowId: run.workflowId,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: run.args,
    typedSearchAttributes: [
      { key: PIPELINE, value: run.taskQueue },
      ...(run.target === undefined ? [] : [{ key: PIPELINE_TARGET, value: run.target }]),
      { key: TRIGGERED_BY, value: run.triggeredBy ?? 'api' },
    ],
  });
  deps.logger.info(
    { workflowId: handle.workflowId, workflowType: run.workflowType, by: principalOf(res)?.name },
    'run requested',
  );
  res
    .status(202)
    .json(
      acceptedRun(deps.config, handle.workflowId, handle.firstExecutionRunId) satisfies z.input<
        typeof ActionAcceptedSchema
      >,
    );
}
