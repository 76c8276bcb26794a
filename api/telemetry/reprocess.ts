import type { Router } from 'express';
import type { TelemetryReprocessInput } from '../../workflows/telemetry/reprocess';
import type { ApiDeps } from '../deps';
import { defineRoute, type RouteKit } from '../http/route';
import { requirePoint } from './reads';
import { ActionAcceptedSchema } from '../http/schemas';
import { PointCodeParams, ReprocessBodySchema } from './schemas';
import { startRunAndAccept } from '../http/start-run';

/** One reprocessing per point at a time: a second POST while it runs answers that run. */
export const telemetryReprocessWorkflowId = (code: string) => `telemetry-reprocess/${code}`;

export function defineReprocessRoute(router: Router, kit: RouteKit, deps: ApiDeps): void {
  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/telemetry/points/:code/reprocess',
    summary: "Recompute a point's measurements in [from, to) from its raw readings with its current configuration",
    description:
      'After a constant is fixed. One workflow per point; the range is replaced in one transaction. While one runs, another POST answers that run.',
    tags: ['telemetry'],
    role: 'operator',
    request: { params: PointCodeParams, body: ReprocessBodySchema },
    responses: {
      202: { description: 'Started, or already running', schema: ActionAcceptedSchema },
      404: { description: 'No such point' },
    },
    async handler({ params, body }, res) {
      await requirePoint(deps.db, params.code);
      const input: TelemetryReprocessInput = {
        code: params.code,
        from: new Date(body.from).toISOString(),
        to: new Date(body.to).toISOString(),
        timeZone: deps.config.timeZone,
      };
      await startRunAndAccept(deps, res, {
        workflowType: 'telemetryReprocessPoint',
        taskQueue: 'telemetry',
        workflowId: telemetryReprocessWorkflowId(params.code),
        args: [input],
      });
    },
  });
}
