import { METRICS_JOBS } from '../../lib/metrics/catalog';
import type { AnyScheduleDeclaration } from '../../schedules';
import type { checkSchedules } from './checks';

const BATCH_JOB_TYPES = new Set<string>(METRICS_JOBS);

/**
 * The old service's `components`, which its clients read: the scheduler is `running` when Temporal
 * answered for the schedules, and `batch_jobs` counts the metrics batch schedules that will fire
 * (applied and not paused): 3 on a healthy system, as the old service's APScheduler reported.
 */
export function seedComponents(
  schedules: Awaited<ReturnType<typeof checkSchedules>>,
  declared: readonly AnyScheduleDeclaration[],
): { scheduler: 'running' | 'stopped'; batch_jobs: number } {
  if (schedules.status === 'down') return { scheduler: 'stopped', batch_jobs: 0 };
  const idle = new Set([...schedules.missing, ...schedules.paused]);
  const batchJobs = declared.filter((d) => BATCH_JOB_TYPES.has(d.workflowType) && !idle.has(d.id));
  return { scheduler: 'running', batch_jobs: batchJobs.length };
}
