import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleOptionsAction,
  type ScheduleOptions,
  type ScheduleSpec,
} from '@temporalio/client';
import type { Logger } from '../lib/logger';
import { ensureSearchAttributes } from '../lib/temporal';
import { declareSchedules } from './index';
import { PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../lib/search-attributes';
import type { ScheduleContext, AnyScheduleDeclaration } from './types';

/** Marks the schedules this code owns, so one removed from the code is removed from Temporal. */
export const MANAGED_BY = 'durable-pipelines';

export function scheduleSpec(declaration: AnyScheduleDeclaration, context: ScheduleContext): ScheduleSpec {
  return { calendars: declaration.calendars, timezone: context.timeZone };
}

function scheduleAction(declaration: AnyScheduleDeclaration): ScheduleOptionsAction {
  return {
    type: 'startWorkflow',
    workflowType: declaration.workflowType,
    args: declaration.args,
    taskQueue: declaration.taskQueue,
    workflowId: declaration.workflowIdPrefix,
    workflowExecutionTimeout: declaration.workflowExecutionTimeout,
    typedSearchAttributes: [
      { key: PIPELINE, value: declaration.taskQueue },
      { key: PIPELINE_TARGET, value: declaration.target },
      { key: TRIGGERED_BY, value: 'schedule' },
    ],
  };
}

export function toScheduleOptions(
  declaration: AnyScheduleDeclaration,
  context: ScheduleContext,
  owner = MANAGED_BY,
): ScheduleOptions {
  return {
    scheduleId: declaration.id,
    spec: scheduleSpec(declaration, context),
    action: scheduleAction(declaration),
    policies: { overlap: declaration.overlap, catchupWindow: declaration.catchupWindow },
    memo: { managedBy: owner, description: declaration.description },
    state: { note: declaration.description },
  };
}

export interface ApplyOptions {
  logger?: Logger;
  /** Also delete the schedules of this owner that are no longer declared. */
  prune?: boolean;
  /** Who owns the applied schedules (tests use their own, so pruning never touches others'). */
  owner?: string;
}

export interface ApplyResult {
  created: string[];
  updated: string[];
  deleted: string[];
}

/**
 * Creates each declared schedule, or updates it in place if it exists (keeping its paused
 * state, which belongs to operators). Safe to run from several processes at once.
 */
export async function applySchedules(
  client: Client,
  declarations: readonly AnyScheduleDeclaration[],
  context: ScheduleContext,
  { logger, prune = false, owner = MANAGED_BY }: ApplyOptions = {},
): Promise<ApplyResult> {
  const result: ApplyResult = { created: [], updated: [], deleted: [] };
  for (const declaration of declarations) {
    const options = toScheduleOptions(declaration, context, owner);
    const handle = client.schedule.getHandle(declaration.id);
    const update = () =>
      handle.update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: options.policies,
      }));
    try {
      await retryTransient(update, logger);
      result.updated.push(declaration.id);
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      try {
        await client.schedule.create(options);
        result.created.push(declaration.id);
      } catch (createError) {
        // Another process created it between our update and create: update theirs.
        if (!(createError instanceof ScheduleAlreadyRunning)) throw createError;
        await update();
        result.updated.push(declaration.id);
      }
    }
  }

  if (prune) result.deleted = await pruneUndeclared(client, declarations, owner);
  logger?.info(result, 'schedules applied');
  return result;
}

/**
 * Updating describes the schedule first, a query to its scheduler workflow; on a server that has
 * just (re)started under load that query can time out. Retried a few times with backoff; a
 * schedule that does not exist is an answer, not a transient failure.
 */
async function retryTransient<T>(fn: () => Promise<T>, logger?: Logger, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError || attempt >= attempts) throw error;
      logger?.warn({ err: (error as Error).message, attempt }, 'schedule update failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}

/** Deletes the schedules this code once declared and no longer does. */
async function pruneUndeclared(
  client: Client,
  declarations: readonly AnyScheduleDeclaration[],
  owner: string,
): Promise<string[]> {
  const deleted: string[] = [];
  const declared = new Set(declarations.map((declaration) => declaration.id));
  for await (const summary of client.schedule.list()) {
    if (summary.memo?.managedBy === owner && !declared.has(summary.scheduleId)) {
      // Another process may have deleted it first; that is the same outcome.
      const gone = await client.schedule
        .getHandle(summary.scheduleId)
        .delete()
        .then(
          () => true,
          (error: unknown) => error instanceof ScheduleNotFoundError,
        );
      if (gone) deleted.push(summary.scheduleId);
    }
  }
  return deleted;
}

/**
 * What every process that starts the system does (worker, local stack, `npm run schedules:apply`):
 * make sure the search attributes exist, then apply every declared schedule. Only a deliberate
 * apply (`npm run schedules:apply`, the single local stack) also removes retired schedules: a
 * worker replica of an older version must not delete what a newer one declares.
 */
export async function applyDeclaredSchedules(
  client: Client,
  context: ScheduleContext,
  { logger, prune }: { logger?: Logger; prune: boolean },
) {
  await ensureSearchAttributes(client, logger);
  const declarations = declareSchedules(context);
  await applySchedules(client, declarations, context, { logger, prune });
  return declarations;
}
