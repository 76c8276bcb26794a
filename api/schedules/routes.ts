import { Router } from 'express';
import type { z } from 'zod';
import { principalOf } from '../http/auth';
import { backfillSchedule, MAX_BACKFILL_RUNS } from './backfill';
import { MAX_BACKFILL_DAYS, parseBackfillWindow } from './backfill-window';
import type { ApiDeps } from '../deps';
import { acceptedRun, scheduleLinks } from '../http/links';
import { EARLIEST_DATE } from '../http/schemas';
import { badRequest } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { startScheduleActionNow } from './trigger';
import { describeSchedule, findDeclared, toScheduleView } from './view';
import { ActionAcceptedSchema } from '../http/schemas';
import {
  BackfillAcceptedSchema,
  BackfillBodySchema,
  ScheduleIdParamsSchema,
  ScheduleListSchema,
  ScheduleNoteBodySchema,
  ScheduleViewSchema,
} from './schemas';

export function scheduleRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  const { client, config } = deps;
  const view = async (id: string) =>
    toScheduleView(config, findDeclared(deps.schedules, id), await describeSchedule(client, id)) satisfies z.input<
      typeof ScheduleViewSchema
    >;
  const notFoundResponse = { description: 'Not a declared schedule, or not applied to Temporal' };

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/schedules',
    summary: 'Every declared schedule with its state in Temporal',
    tags: ['schedules'],
    role: 'viewer',
    responses: { 200: { description: 'Declared schedules', schema: ScheduleListSchema } },
    async handler(_input, res) {
      res.json({ items: await Promise.all(deps.schedules.map((declaration) => view(declaration.id))) });
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/schedules/:id',
    summary: 'One declared schedule with its state in Temporal',
    tags: ['schedules'],
    role: 'viewer',
    request: { params: ScheduleIdParamsSchema },
    responses: { 200: { description: 'The schedule', schema: ScheduleViewSchema }, 404: notFoundResponse },
    async handler({ params }, res) {
      res.json(await view(params.id));
    },
  });

  for (const action of ['pause', 'unpause'] as const) {
    defineRoute(router, kit, {
      method: 'post',
      path: `/api/v1/schedules/:id/${action}`,
      summary: action === 'pause' ? 'Pause a schedule' : 'Unpause a schedule',
      description: 'Idempotent. The note (default: who did it) is shown in the Temporal UI.',
      tags: ['schedules'],
      role: 'operator',
      request: { params: ScheduleIdParamsSchema, body: ScheduleNoteBodySchema },
      responses: { 200: { description: 'The schedule afterwards', schema: ScheduleViewSchema }, 404: notFoundResponse },
      async handler({ params, body }, res) {
        findDeclared(deps.schedules, params.id);
        const by = principalOf(res)?.name ?? 'unknown';
        const note = body.note ?? `${action === 'pause' ? 'Paused' : 'Unpaused'} via the API by ${by}`;
        const handle = client.schedule.getHandle(params.id);
        await (action === 'pause' ? handle.pause(note) : handle.unpause(note));
        deps.logger.info({ scheduleId: params.id, action, by }, 'schedule state changed');
        res.json(await view(params.id));
      },
    });
  }

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/schedules/:id/trigger',
    summary: 'Run a schedule now',
    description:
      "Starts the schedule's action now (its workflow, arguments and task queue), as a run tagged TriggeredBy=api. " +
      'Under the SKIP overlap policy it is refused (409) while a run of the schedule is going; it is not one of ' +
      "the schedule's own actions, so the schedule neither waits for it nor lists it among its recent actions.",
    tags: ['schedules'],
    role: 'operator',
    request: { params: ScheduleIdParamsSchema },
    responses: {
      202: { description: 'Started', schema: ActionAcceptedSchema },
      404: notFoundResponse,
      409: { description: 'A run is still going and the overlap policy would skip this one' },
    },
    async handler({ params }, res) {
      const declaration = findDeclared(deps.schedules, params.id);
      const run = await startScheduleActionNow(client, declaration, { timeZone: config.timeZone });
      deps.logger.info(
        { scheduleId: params.id, workflowId: run.workflowId, by: principalOf(res)?.name },
        'schedule triggered',
      );
      res
        .status(202)
        .json(acceptedRun(config, run.workflowId, run.runId) satisfies z.input<typeof ActionAcceptedSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/schedules/:id/backfill',
    summary: 'Replay a past window of a schedule',
    description:
      'Takes every action the schedule would have taken in [start, end), one after another (BUFFER_ALL). Each run ' +
      `computes its window from its scheduled time and is tagged TriggeredBy=backfill. Limits: start not before ${EARLIEST_DATE}, ` +
      `end at least an hour ago, a span of at most ${MAX_BACKFILL_DAYS} days and at most ${MAX_BACKFILL_RUNS} runs ` +
      '(counted by Temporal from the schedule); a larger window is a 400 that says how many runs it would start. ' +
      'While the backfill runs, the schedule’s own runs are skipped (SKIP) or wait behind it (BUFFER_ALL).',
    tags: ['schedules'],
    role: 'operator',
    request: { params: ScheduleIdParamsSchema, body: BackfillBodySchema },
    responses: { 202: { description: 'Backfill accepted', schema: BackfillAcceptedSchema }, 404: notFoundResponse },
    async handler({ params, body }, res) {
      findDeclared(deps.schedules, params.id);
      const window = parseBackfillWindow(body, { now: new Date(), timeZone: config.timeZone });
      if (Array.isArray(window)) throw badRequest(window.map((e) => `${e.field}: ${e.message}`).join('; '), window);
      const runs = await backfillSchedule(client, params.id, window);
      deps.logger.info(
        { scheduleId: params.id, ...window, runs, by: principalOf(res)?.name },
        'schedule backfill requested',
      );
      res.status(202).json({
        scheduleId: params.id,
        start: window.start.toISOString(),
        end: window.end.toISOString(),
        runs,
        ...scheduleLinks(config, params.id),
      } satisfies z.input<typeof BackfillAcceptedSchema>);
    },
  });

  return router;
}
