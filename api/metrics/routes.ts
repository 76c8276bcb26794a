import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { Router, type Response } from 'express';
import type { z } from 'zod';
import { readCalculatedMetrics } from '../../data/metrics';
import type { Config } from '../../lib/config';
import { PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import type { MetricsBatchInput } from '../../workflows/metrics/batch';
import {
  METRICS_JOBS,
  metricsWorkflowId,
  RUN_TIMEOUT,
  WORKFLOW_ID_PREFIX,
  type MetricsJobId,
} from '../../lib/metrics/catalog';
import { dailyDateFor, localDateOf, weeklyEndFor } from '../../lib/metrics/periods';
import { principalOf } from '../http/auth';
import type { ApiDeps } from '../deps';
import { acceptedRun } from '../http/links';
import { badRequest } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { toRunSummary } from '../runs/view';
import { describeSchedule, findDeclared, toScheduleView } from '../schedules/view';
import { ActionAcceptedSchema } from '../http/schemas';
import {
  BatchJobStatusSchema,
  CalculatedMetricsQuerySchema,
  CalculatedMetricsSchema,
  DailyBatchQuerySchema,
  JobIdParamsSchema,
  WeeklyBatchQuerySchema,
} from './schemas';

/**
 * The analytics service's batch-job routes, with the paths and parameter names it had. Every
 * start uses the business id (`metrics-daily/<fecha>`): a second call for a date that is
 * running joins that run instead of starting another.
 */
export function metricsRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  const { client, config } = deps;
  const tags = ['metrics'];

  const accept = async (res: Response, job: MetricsJobId, date: string) => {
    const handle = await startBatch(client, config, job, date);
    deps.logger.info(
      { job, date, workflowId: handle.workflowId, by: principalOf(res)?.name },
      'metrics batch requested',
    );
    res
      .status(202)
      .json(
        acceptedRun(config, handle.workflowId, handle.firstExecutionRunId) satisfies z.input<
          typeof ActionAcceptedSchema
        >,
      );
  };
  const accepted = {
    202: { description: 'Started, or joined the run already going for that date', schema: ActionAcceptedSchema },
  };

  defineRoute(router, kit, {
    method: 'post',
    path: '/dashboards/batch-jobs/daily',
    summary: 'Run the daily metrics for one day',
    tags,
    role: 'operator',
    request: { query: DailyBatchQuerySchema },
    responses: accepted,
    async handler({ query }, res) {
      await accept(res, 'daily_metrics_batch', notInFuture(query.fecha, 'query.fecha', config));
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/dashboards/batch-jobs/weekly',
    summary: 'Run the weekly metrics for the 7 days ending fecha_fin',
    tags,
    role: 'operator',
    request: { query: WeeklyBatchQuerySchema },
    responses: accepted,
    async handler({ query }, res) {
      await accept(res, 'weekly_metrics_batch', notInFuture(query.fecha_fin, 'query.fecha_fin', config));
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/dashboards/batch-jobs/trigger/:job_id',
    summary: 'Run a job now, for the date its schedule would compute now',
    description:
      'daily: yesterday; weekly: the week ending the last Sunday; cleanup: as of now. To re-run a past range, ' +
      'use `POST /api/v1/schedules/{job_id}/backfill`: it runs each day (or week) once.',
    tags,
    role: 'operator',
    request: { params: JobIdParamsSchema },
    responses: accepted,
    async handler({ params }, res) {
      await accept(res, params.job_id, defaultDate(params.job_id, new Date(), config.timeZone));
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/dashboards/batch-jobs/status',
    summary: 'Each job: its schedule, next and last runs, and the last result',
    tags,
    role: 'viewer',
    responses: { 200: { description: 'The three jobs', schema: BatchJobStatusSchema } },
    async handler(_input, res) {
      const jobs = await Promise.all(
        METRICS_JOBS.map(async (job) => {
          const declaration = findDeclared(deps.schedules, job);
          const [description, last] = await Promise.all([describeSchedule(client, job), lastRun(client, job)]);
          return {
            id: job,
            description: declaration.description,
            schedule: toScheduleView(config, declaration, description),
            lastRun: last ? toRunSummary(config, last.info) : null,
            lastResult: last?.result ?? null,
          };
        }),
      );
      res.json({ jobs } satisfies z.input<typeof BatchJobStatusSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/dashboards/metrics/calculated',
    summary:
      'Calculated metrics: the newest computation first, each in the order it was written (a ranking by position)',
    tags,
    role: 'viewer',
    request: { query: CalculatedMetricsQuerySchema },
    responses: { 200: { description: 'Rows of metricas_calculadas', schema: CalculatedMetricsSchema } },
    async handler({ query }, res) {
      const rows = await readCalculatedMetrics(deps.db, { nombre: query.nombre_metrica ?? null, limit: query.limit });
      res.json({ metricas: rows, total: rows.length } satisfies z.input<typeof CalculatedMetricsSchema>);
    },
  });

  return router;
}

/** Starts a batch under its business id, or returns the run already going for that date. */
function startBatch(client: Client, config: Config, job: MetricsJobId, date: string) {
  const input: MetricsBatchInput = { timeZone: config.timeZone, date };
  return client.workflow.start(job, {
    taskQueue: 'metrics',
    workflowId: metricsWorkflowId(job, date),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowExecutionTimeout: RUN_TIMEOUT,
    args: [input],
    typedSearchAttributes: [
      { key: PIPELINE, value: 'metrics' },
      { key: TRIGGERED_BY, value: 'api' },
    ],
  });
}

/** The date a job computes when run at `now`, as its schedule would. */
function defaultDate(job: MetricsJobId, now: Date, timeZone: string): string {
  if (job === 'daily_metrics_batch') return dailyDateFor(now, timeZone);
  if (job === 'weekly_metrics_batch') return weeklyEndFor(now, timeZone);
  return localDateOf(now, timeZone);
}

function notInFuture(date: string, field: string, config: Config): string {
  const today = localDateOf(new Date(), config.timeZone);
  if (date > today)
    throw badRequest(`${field}: must not be after today (${today})`, [
      { field, message: `must not be after today (${today})` },
    ]);
  return date;
}

/** The newest run of a job under its business ids matching `filter`, if any. */
async function newestRun(client: Client, job: MetricsJobId, filter = '') {
  const query = `WorkflowType = '${job}' AND WorkflowId STARTS_WITH '${WORKFLOW_ID_PREFIX[job]}'${filter}`;
  for await (const info of client.workflow.list({ query, pageSize: 1 })) return info;
  return undefined;
}

/**
 * The job's latest run, whatever its state, and the result of its latest completed one: while a
 * run is going (or after one failed) the status still shows the last result there is.
 */
async function lastRun(client: Client, job: MetricsJobId) {
  const [latest, completed] = await Promise.all([
    newestRun(client, job),
    newestRun(client, job, ` AND ExecutionStatus = 'Completed'`),
  ]);
  const result = completed
    ? ((await client.workflow.getHandle(completed.workflowId, completed.runId).result()) as unknown)
    : null;
  return latest ? { info: latest, result } : undefined;
}
