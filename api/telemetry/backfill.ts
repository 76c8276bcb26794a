import type { Router } from 'express';
import { z } from 'zod';
import type { TelemetryBackfillInput } from '../../workflows/telemetry/backfill';
import type { ApiDeps } from '../deps';
import { defineRoute, type RouteKit } from '../http/route';
import { requirePoint } from './reads';
import { ActionAcceptedSchema, isoInstant } from '../http/schemas';
import { startRunAndAccept } from '../http/start-run';
import { PointCodeParams } from './schemas';

/** One workflow per point and window: the same POST again finds the running one (and re-running stores nothing twice). */
export const telemetryBackfillWorkflowId = (code: string, from: string, to: string) =>
  `telemetry-backfill/${code}/${from}_${to}`;

const MAX_DAYS = 92;
export const BackfillBodySchema = z
  .strictObject({
    from: isoInstant.meta({ description: 'Inclusive, ISO 8601 with offset', example: '2026-11-01T00:00:00Z' }),
    to: isoInstant.meta({
      description: 'Exclusive, ISO 8601 with offset; capped at now',
      example: '2026-11-15T00:00:00Z',
    }),
  })
  .refine((body) => Date.parse(body.from) >= Date.parse('2000-01-01T00:00:00Z'), {
    path: ['from'],
    message: 'must not be before 2000-01-01',
  })
  .refine((body) => Date.parse(body.from) < Date.parse(body.to), { path: ['to'], message: 'must be after from' })
  .refine((body) => Date.parse(body.to) - Date.parse(body.from) <= MAX_DAYS * 86_400_000, {
    path: ['to'],
    message: `the window spans at most ${MAX_DAYS} days`,
  });

export function defineBackfillRoute(router: Router, kit: RouteKit, deps: ApiDeps): void {
  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/telemetry/points/:code/backfill',
    summary: "Load a point's history from its provider for [from, to)",
    description: `For a point added with weeks of logger history (a first poll reaches back only initialLookbackMinutes). Pages through the provider chunk by chunk, stores the raw readings not stored yet and recomputes the measurements as a poll would; watermarks never move back. At most ${MAX_DAYS} days; workflow id telemetry-backfill/<code>/<from>_<to>.`,
    tags: ['telemetry'],
    role: 'operator',
    request: { params: PointCodeParams, body: BackfillBodySchema },
    responses: {
      202: { description: 'Started, or already running', schema: ActionAcceptedSchema },
      404: { description: 'No such point' },
    },
    async handler({ params, body }, res) {
      await requirePoint(deps.db, params.code);
      const input: TelemetryBackfillInput = {
        code: params.code,
        from: new Date(body.from).toISOString(),
        to: new Date(body.to).toISOString(),
        timeZone: deps.config.timeZone,
      };
      await startRunAndAccept(deps, res, {
        workflowType: 'telemetryBackfillPoint',
        taskQueue: 'telemetry',
        workflowId: telemetryBackfillWorkflowId(params.code, input.from, input.to),
        target: params.code,
        args: [input],
      });
    },
  });
}
