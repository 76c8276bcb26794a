import type { Response } from 'express';
import type { ApiDeps } from '../../api/deps';
import { startRunAndAccept, type ApiRun } from '../../api/http/start-run';
import type { AnyScheduleDeclaration, ScheduleDeclaration } from '../../schedules/types';

/*
 * Checked by `npm run typecheck`, never run (not a `.test.ts`): starts and schedules name workflows
 * the bundle registers and pass them their own arguments, or the code does not compile. Each
 * `@ts-expect-error` fails the typecheck the day the line under it compiles.
 */

export const cvRun: ApiRun<'cvPipeline'> = {
  workflowType: 'cvPipeline',
  taskQueue: 'cv',
  workflowId: 'cv-pipeline/typed',
  args: [{ timeZone: 'UTC' }],
};
// @ts-expect-error: no workflow is registered as `cvPipelines`
export const misnamed: ApiRun<'cvPipelines'> = { ...cvRun, workflowType: 'cvPipelines' };
// @ts-expect-error: `etlTable` takes a table and a mode, not the CV pipeline's input
export const misargued: ApiRun<'etlTable'> = { ...cvRun, workflowType: 'etlTable' };

/** The route's path: `T` is inferred from the name, and the arguments are checked against it. */
export function startsFromRoutes(deps: ApiDeps, res: Response) {
  return [
    startRunAndAccept(deps, res, cvRun),
    // @ts-expect-error: a name the bundle does not register
    startRunAndAccept(deps, res, { ...cvRun, workflowType: 'cvPipelines' }),
    // @ts-expect-error: the CV pipeline's input given to the ETL table workflow
    startRunAndAccept(deps, res, { ...cvRun, workflowType: 'etlTable' }),
  ];
}

declare const canary: ScheduleDeclaration<'platformCanary'>;
export const declared: AnyScheduleDeclaration[] = [canary, { ...canary, workflowType: 'platformCanary' }];
// @ts-expect-error: in a list of every family's schedules, the canary's input cannot start an ETL table
export const mismatched: AnyScheduleDeclaration = { ...canary, workflowType: 'etlTable' };
// @ts-expect-error: a schedule of a workflow the bundle does not register
export const unknownSchedule: ScheduleDeclaration<'platformCanaries'> = canary;
