import { bundleWorkflowCode, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { ActivityMap } from '../activities';
import { WORKFLOWS_ENTRY } from './workflow-source';

export interface WorkerSpec {
  taskQueue: string;
  activities: ActivityMap;
}

export interface CreateWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  workers: readonly WorkerSpec[];
  workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
}

/**
 * One worker per task queue, all in this process (families scale independently by running
 * the entry with different WORKER_TASK_QUEUES). The workflow code is bundled once and shared.
 */
export async function createWorkers({ connection, namespace, workers, workflowSource }: CreateWorkersOptions) {
  const workflowBundle =
    workflowSource.workflowBundle ??
    (await bundleWorkflowCode({ workflowsPath: workflowSource.workflowsPath ?? WORKFLOWS_ENTRY }));
  return Promise.all(
    workers.map(({ taskQueue, activities }) =>
      Worker.create({ connection, namespace, taskQueue, workflowBundle, activities, shutdownGraceTime: '10 seconds' }),
    ),
  );
}

/** Runs the workers until they are shut down (a signal, or `worker.shutdown()`). */
export async function runWorkers(workers: readonly Worker[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.run()));
}
