import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { Router } from 'express';
import type { z } from 'zod';
import { PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import type { TelemetryReprocessInput } from '../../workflows/telemetry-reprocess';
import type { ApiDeps } from '../deps';
import { principalOf } from '../http/auth';
import { acceptedRun } from '../http/links';
import { notFound } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { ActionAcceptedSchema } from '../http/schemas';
import { PointCodeParams, ReprocessBodySchema } from './schemas';

export const TELEMETRY_REPROCESS_WORKFLOW_TYPE = 'telemetryReprocessPoint';
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
      const { rowCount } = await deps.db.query('SELECT 1 FROM telemetry_points WHERE code = $1', [params.code]);
      if (!rowCount) throw notFound(`No point with code "${params.code}"`);
      const input: TelemetryReprocessInput = {
        code: params.code,
        from: new Date(body.from).toISOString(),
        to: new Date(body.to).toISOString(),
        timeZone: deps.config.timeZone,
      };
      const handle = await deps.client.workflow.start(TELEMETRY_REPROCESS_WORKFLOW_TYPE, {
        taskQueue: 'telemetry',
        workflowId: telemetryReprocessWorkflowId(params.code),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        args: [input],
        typedSearchAttributes: [
          { key: PIPELINE, value: 'telemetry' },
          { key: TRIGGERED_BY, value: 'api' },
        ],
      });
      deps.logger.info({ workflowId: handle.workflowId, by: principalOf(res)?.name }, 'telemetry reprocess requested');
      res
        .status(202)
        .json(
          acceptedRun(deps.config, handle.workflowId, handle.firstExecutionRunId) satisfies z.input<
            typeof ActionAcceptedSchema
          >,
        );
    },
  });
}
