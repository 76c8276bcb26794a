import { ScheduleOverlapPolicy } from '@temporalio/client';
import { Router } from 'express';
import type { z } from 'zod';
import { principalOf } from '../http/auth';
import { parseBackfillWindow } from './backfill-window';
import type { ApiDeps } from '../deps';
import { acceptedRun, scheduleLinks } from '../http/links';
import { badRequest } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { triggerAndFindRun } from './trigger';
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
      "Starts the schedule's action now under its overlap policy and waits up to 5 s to name the run. " +
      "The run carries TriggeredBy=schedule (it is the schedule's action). If the run is not seen in time, " +
      '`workflowId` is null and `statusUrl` points at the schedule.',
    tags: ['schedules'],
    role: 'operator',
    request: { params: ScheduleIdParamsSchema },
    responses: {
      202: { description: 'Triggered', schema: ActionAcceptedSchema },
      404: notFoundResponse,
      409: { description: 'A run is still going and the overlap policy would skip this one' },
    },
    async handler({ params }, res) {
      const declaration = findDeclared(deps.schedules, params.id);
      const run = await triggerAndFindRun(client.schedule.getHandle(params.id), declaration.overlap);
      deps.logger.info(
        { scheduleId: params.id, workflowId: run?.workflowId, by: principalOf(res)?.name },
        'schedule triggered',
      );
      const accepted = run
        ? acceptedRun(config, run.workflowId, run.runId)
        : { workflowId: null, runId: null, ...scheduleLinks(config, params.id) };
      res.status(202).json(accepted satisfies z.input<typeof ActionAcceptedSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/schedules/:id/backfill',
    summary: 'Replay a past window of a schedule',
    description:
      'Takes every action the schedule would have taken in [start, end), buffering overlaps so each runs in turn. ' +
      'Each run computes its window from its scheduled time. Span at most 366 days; end not in the future.',
    tags: ['schedules'],
    role: 'operator',
    request: { params: ScheduleIdParamsSchema, body: BackfillBodySchema },
    responses: { 202: { description: 'Backfill accepted', schema: BackfillAcceptedSchema }, 404: notFoundResponse },
    async handler({ params, body }, res) {
      findDeclared(deps.schedules, params.id);
      const window = parseBackfillWindow(body, { now: new Date(), timeZone: config.timeZone });
      if (Array.isArray(window)) throw badRequest(window.map((e) => `${e.field}: ${e.message}`).join('; '), window);
      // Temporal starts backfilled runs with the schedule's own action (TriggeredBy=schedule); the
      // workflows re-tag them `backfill` when they start long after their scheduled time (tagRun).
      await client.schedule
        .getHandle(params.id)
        .backfill([{ start: window.start, end: window.end, overlap: ScheduleOverlapPolicy.BUFFER_ALL }]);
      deps.logger.info({ scheduleId: params.id, ...window, by: principalOf(res)?.name }, 'schedule backfill requested');
      res.status(202).json({
        scheduleId: params.id,
        start: window.start.toISOString(),
        end: window.end.toISOString(),
        ...scheduleLinks(config, params.id),
      } satisfies z.input<typeof BackfillAcceptedSchema>);
    },
  });

  return router;
}
