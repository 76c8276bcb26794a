import { bundleWorkflowCode, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { ActivityMap } from '../activities';
import { WORKFLOWS_ENTRY } from './workflow-source';

/**
 * On shutdown, running activities get this long to finish before they are cancelled (and retried
 * by another worker). docker-compose's `stop_grace_period` (60 s) leaves room for it.
 */
export const SHUTDOWN_GRACE = '45 seconds';

/**
 * The most a worker holds back an activity's heartbeat (the SDK's default is 0.8 × the heartbeat
 * timeout: ~48 s for one minute). What an operator sees of a running activity (its heartbeat
 * details in the Temporal UI and the API) and how soon it learns of a cancellation is this old, plus
 * the second between an activity's own heartbeats: measured at 1.1 s at most on a loaded machine
 * (2.6 s with 2 s here, which the README's "at most ~2 s" did not hold to).
 */
export const HEARTBEAT_THROTTLE = '1 second';

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
      Worker.create({
        connection,
        namespace,
        taskQueue,
        workflowBundle,
        activities,
        shutdownGraceTime: SHUTDOWN_GRACE,
        maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
        defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
      }),
    ),
  );
}

/**
 * Runs the workers until they are shut down (a signal, or `worker.shutdown()`). If one fails,
 * the others are drained (their activities finish or are cancelled within the grace time)
 * before its error is rethrown, so nothing still running is cut off by the process exiting.
 */
export async function runWorkers(workers: readonly Worker[]): Promise<void> {
  const runs = workers.map((worker) => worker.run());
  try {
    await Promise.all(runs);
  } catch (error) {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(runs);
    throw error;
  }
}
