import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { AnyScheduleDeclaration } from '../../schedules';
import { runLinks, scheduleLinks } from '../http/links';
import { notFound } from '../http/problem';

/** How many upcoming times a view lists. */
const NEXT_ACTION_TIMES = 5;

export function findDeclared(schedules: readonly AnyScheduleDeclaration[], id: string): AnyScheduleDeclaration {
  const declaration = schedules.find((candidate) => candidate.id === id);
  // Only declared schedules: the API must not become a way to drive schedules the code does not own.
  if (!declaration) throw notFound(`No declared schedule "${id}"`);
  return declaration;
}

/** The schedule's Temporal description, or undefined when it has not been applied. */
export async function describeSchedule(client: Client, id: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/** A declared schedule joined with what Temporal says about it. */
export function toScheduleView(
  config: Config,
  declaration: AnyScheduleDeclaration,
  description: ScheduleDescription | undefined,
) {
  const declared = {
    id: declaration.id,
    description: declaration.description,
    workflowType: declaration.workflowType,
    taskQueue: declaration.taskQueue,
    target: declaration.target,
    calendars: declaration.calendars as unknown as Record<string, unknown>[],
    temporalUiUrl: scheduleLinks(config, declaration.id).temporalUiUrl,
  };
  if (!description) {
    return {
      ...declared,
      state: 'missing' as const,
      timeZone: config.timeZone,
      paused: null,
      note: null,
      createdAt: null,
      nextActionTimes: [],
      recentActions: [],
      runningWorkflows: [],
    };
  }
  const { info, state } = description;
  return {
    ...declared,
    state: 'applied' as const,
    timeZone: description.spec.timezone ?? 'UTC',
    paused: state.paused,
    note: state.note ?? null,
    createdAt: info.createdAt.toISOString(),
    nextActionTimes: info.nextActionTimes.slice(0, NEXT_ACTION_TIMES).map((time) => time.toISOString()),
    // Temporal lists oldest first; operators look for the latest.
    recentActions: [...info.recentActions].reverse().map((action) => ({
      scheduledAt: action.scheduledAt.toISOString(),
      takenAt: action.takenAt.toISOString(),
      workflowId: action.action.workflow.workflowId,
      runId: action.action.workflow.firstExecutionRunId,
      statusUrl: runLinks(config, action.action.workflow.workflowId).statusUrl,
    })),
    runningWorkflows: info.runningActions.map((action) => ({
      workflowId: action.workflow.workflowId,
      runId: action.workflow.firstExecutionRunId,
      statusUrl: runLinks(config, action.workflow.workflowId).statusUrl,
    })),
  };
}
