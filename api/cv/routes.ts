import { Router } from 'express';
import type { z } from 'zod';
import { buildOttAnalytics, windowStart } from '../../lib/cv/analytics';
import { PIPELINE } from '../../lib/search-attributes';
import type { CvPipelineInput } from '../../workflows/cv/pipeline';
import { readCvRejects, readCvState, readOttRollups } from '../../data/cv';
import type { ApiDeps } from '../deps';
import { defineRoute, type RouteKit } from '../http/route';
import { toRunSummary } from '../runs/view';
import { ActionAcceptedSchema } from '../http/schemas';
import {
  CvAnalyticsQuerySchema,
  CvOttAnalyticsSchema,
  CvRejectListSchema,
  CvRejectsQuerySchema,
  CvStatusSchema,
} from './schemas';
import { startRunAndAccept } from '../http/start-run';

/** A forced refresh has one business id: a second POST while it runs answers the same run. */
export const CV_REFRESH_WORKFLOW_ID = 'cv-pipeline/refresh';

export function cvRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  const { client, config, db } = deps;

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/cv/refresh',
    summary: 'Run the CV pipeline now: ingest, the six merges, the OTT rollups',
    description:
      'Starts the same workflow as the schedule (TriggeredBy=api). While a forced refresh runs, another POST answers that run.',
    tags: ['cv'],
    role: 'operator',
    responses: { 202: { description: 'Started, or already running', schema: ActionAcceptedSchema } },
    async handler(_input, res) {
      const input: CvPipelineInput = { timeZone: config.timeZone };
      await startRunAndAccept(deps, res, {
        workflowType: 'cvPipeline',
        taskQueue: 'cv',
        workflowId: CV_REFRESH_WORKFLOW_ID,
        args: [input],
      });
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/cv/status',
    summary: 'CV watermarks, counts and last runs',
    tags: ['cv'],
    role: 'viewer',
    responses: { 200: { description: 'Status', schema: CvStatusSchema } },
    async handler(_input, res) {
      const state = await readCvState(db);
      const lastRuns = [];
      for await (const info of client.workflow.list({ query: `${PIPELINE.name} = 'cv'`, pageSize: 10 })) {
        lastRuns.push(toRunSummary(config, info));
        if (lastRuns.length >= 10) break;
      }
      res.json({ ...state, lastRuns } satisfies z.input<typeof CvStatusSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/cv/rejects',
    summary: 'Events the ingest rejected, with the reason and the raw event',
    tags: ['cv'],
    role: 'viewer',
    request: { query: CvRejectsQuerySchema },
    responses: { 200: { description: 'Rejects, newest first', schema: CvRejectListSchema } },
    async handler({ query }, res) {
      res.json({ items: await readCvRejects(db, query.limit) } satisfies z.input<typeof CvRejectListSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/cv/analytics/ott',
    summary: 'OTT analytics of the last N days (seed TelemetriaDaysOTT)',
    description: 'Read from the daily rollups the pipeline keeps, so a year answers as fast as a day.',
    tags: ['cv'],
    role: 'viewer',
    request: { query: CvAnalyticsQuerySchema },
    responses: { 200: { description: "The seed's JSON structure", schema: CvOttAnalyticsSchema } },
    async handler({ query }, res) {
      const rows = await readOttRollups(db, windowStart(query.days, new Date(), config.timeZone));
      res.json(buildOttAnalytics(rows, query.days) satisfies z.input<typeof CvOttAnalyticsSchema>);
    },
  });

  return router;
}
