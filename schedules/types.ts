import type { CalendarSpec, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { TaskQueue } from '../lib/families';
import type { WorkflowArgs, WorkflowType } from '../workflows/types';

/** What every schedule declaration is given when it is built. */
export interface ScheduleContext {
  /** PIPELINES_TZ: schedules fire on local wall-clock times and pass the zone to their workflows. */
  timeZone: string;
  /** CV_SCHEDULE_MINUTES: how often the CV pipeline runs. */
  cvIntervalMinutes?: number;
}

/**
 * A schedule of workflow `T`, declared in code and applied idempotently to Temporal
 * (`schedules/apply.ts`). The compiler checks the workflow's name and the arguments it is given.
 */
export interface ScheduleDeclaration<T extends WorkflowType> {
  /** Stable id: applying again updates the schedule with this id, never adds another. */
  id: string;
  description: string;
  /** The family (`Pipeline` search attribute) and task queue of its runs. */
  taskQueue: TaskQueue;
  /** `PipelineTarget` of its runs. */
  target: string;
  /** Wall-clock times in the context's time zone. */
  calendars: CalendarSpec[];
  workflowType: T;
  args: WorkflowArgs<T>;
  /** Temporal appends the scheduled time, e.g. `platform-canary-2026-11-22T02:00:00Z`. */
  workflowIdPrefix: string;
  overlap: ScheduleOverlapPolicy;
  /** How late a missed run may still start (after a Temporal outage). */
  catchupWindow: Duration;
  workflowExecutionTimeout?: Duration;
}

/** Any one declaration, its arguments matched to its workflow: what a list of every family's schedules holds. */
export type AnyScheduleDeclaration = { [T in WorkflowType]: ScheduleDeclaration<T> }[WorkflowType];
