import type { WorkflowExecutionInfo } from '@temporalio/client';
import { Router } from 'express';
import type { z } from 'zod';
import { principalOf } from '../http/auth';
import type { ApiDeps } from '../deps';
import { acceptedRun } from '../http/links';
import { conflict, PROBLEM_TYPES } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { toRunDetail, toRunListItems } from './view';
import { ActionAcceptedSchema } from '../http/schemas';
import { RunDetailSchema, RunListSchema, RunsQuerySchema, WorkflowIdParamsSchema } from './schemas';
import { buildVisibilityQuery } from './visibility-query';

export function runRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  const { client, config } = deps;

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/runs',
    summary: 'Find runs by pipeline, status, target, business date or trigger',
    description:
      'A Temporal visibility query over the search attributes every run carries. Visibility lags a second or so behind starts.',
    tags: ['runs'],
    role: 'viewer',
    request: { query: RunsQuerySchema },
    responses: { 200: { description: 'Matching runs, newest first', schema: RunListSchema } },
    async handler({ query }, res) {
      const { limit, ...filter } = query;
      const visibilityQuery = buildVisibilityQuery(filter);
      const infos: WorkflowExecutionInfo[] = [];
      for await (const info of client.workflow.list({ query: visibilityQuery || undefined, pageSize: limit })) {
        infos.push(info);
        if (infos.length >= limit) break;
      }
      const items = await toRunListItems(config, client, infos);
      res.json({ items, query: visibilityQuery } satisfies z.input<typeof RunListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/runs/:workflowId',
    summary: 'Describe a run: status, progress of its activities, result or failure',
    description: 'The latest run of the workflow id.',
    tags: ['runs'],
    role: 'viewer',
    request: { params: WorkflowIdParamsSchema },
    responses: {
      200: { description: 'The run', schema: RunDetailSchema },
      404: { description: 'No workflow with this id' },
    },
    async handler({ params }, res) {
      const description = await client.workflow.getHandle(params.workflowId).describe();
      res.json((await toRunDetail(config, client, description)) satisfies z.input<typeof RunDetailSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/runs/:workflowId/cancel',
    summary: 'Request cancellation of a running run',
    description:
      'The workflow receives the request at its next step and cleans up; `cancelRequested` on the run shows it meanwhile.',
    tags: ['runs'],
    role: 'operator',
    request: { params: WorkflowIdParamsSchema },
    responses: {
      202: { description: 'Cancellation requested', schema: ActionAcceptedSchema },
      404: { description: 'No workflow with this id' },
      409: { description: 'The run is not running' },
    },
    async handler({ params }, res) {
      const description = await client.workflow.getHandle(params.workflowId).describe();
      if (description.status.name !== 'RUNNING') {
        throw conflict(
          `Run ${description.runId} is ${description.status.name.toLowerCase()}, not running`,
          PROBLEM_TYPES.notRunning,
        );
      }
      // Pinned to the run just described, so a newer run with the same id is never cancelled by mistake.
      await client.workflow.getHandle(params.workflowId, description.runId).cancel();
      deps.logger.info(
        { workflowId: params.workflowId, runId: description.runId, by: principalOf(res)?.name },
        'run cancel requested',
      );
      res
        .status(202)
        .json(acceptedRun(config, params.workflowId, description.runId) satisfies z.input<typeof ActionAcceptedSchema>);
    },
  });

  return router;
}
