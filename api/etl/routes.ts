import { Router, type Response } from 'express';
import type { z } from 'zod';
import { findTable } from '../../lib/etl/registry';
import { etlDashboardWorkflowId, etlTableWorkflowId, windowKey, type EtlMode } from '../../lib/etl/window';
import { localDate } from '../../lib/time';
import type { EtlDashboardInput, EtlTableInput } from '../../workflows/etl';
import type { ApiDeps } from '../deps';
import { badRequest, notFound } from '../http/problem';
import { defineRoute, type RouteKit } from '../http/route';
import { ActionAcceptedSchema } from '../http/schemas';
import { cleanupAbandoned } from './cleanup';
import { createBigQueryHealth } from './health';
import { checkStorage, readStatus, readTableStatus } from '../../data/etl';
import { tablesConfig } from './tables-config';
import {
  EtlCleanupSchema,
  EtlHealthSchema,
  EtlStatusSchema,
  EtlTablesConfigSchema,
  EtlTableStatusSchema,
  RefreshDashboardBodySchema,
  RefreshTableBodySchema,
  RefreshTableQuerySchema,
  TableParamsSchema,
} from './schemas';
import { startRunAndAccept, type ApiRun } from '../http/start-run';

const unknownTable = { description: 'Not a table of the registry (`GET /api/v1/etl/config/tables`)' };

function tableOr404(name: string) {
  const table = findTable(name);
  if (!table) throw notFound(`No ETL table "${name}"`);
  return table;
}

/**
 * The ETL's API, with the paths and parameter names of the service it replaces. Refreshes start
 * workflows under their business ids with USE_EXISTING: a second request for a running job
 * answers that run.
 */
export function etlRoutes(deps: ApiDeps, kit: RouteKit): Router {
  const router = Router();
  const { client, config, db } = deps;
  const checkBigQuery = createBigQueryHealth(config.bigquery, db);
  const today = () => localDate(new Date(), config.timeZone);

  async function start<T extends 'etlTable' | 'etlDashboard'>(
    res: Response,
    options: Omit<ApiRun<T>, 'taskQueue'> & { target: string; triggeredBy: 'api' | 'backfill' },
  ) {
    await startRunAndAccept(deps, res, { ...options, taskQueue: 'etl' });
  }

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/etl/refresh/dashboard',
    summary: 'Refresh the five dashboard tables (child workflows, in parallel)',
    description: '`force: true` is a full refresh of every table. Business id `etl-dashboard/<mode>/<local date>`.',
    tags: ['etl'],
    role: 'operator',
    request: { body: RefreshDashboardBodySchema },
    responses: { 202: { description: 'Started, or already running', schema: ActionAcceptedSchema } },
    async handler({ body }, res) {
      const input: EtlDashboardInput = { force: body.force, timeZone: config.timeZone };
      await start(res, {
        workflowType: 'etlDashboard',
        workflowId: etlDashboardWorkflowId(body.force ? 'force' : 'incremental', today()),
        args: [input],
        target: 'dashboard',
        triggeredBy: 'api',
      });
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/etl/refresh/table/:table',
    summary: 'Refresh one table: incremental, forced (`?force=true`) or a backfill (`{start, end}`)',
    description:
      'A backfill reads the inclusive range of the incremental column and moves the watermark only forward. Business id `etl-table/<table>/<mode>/<window>`.',
    tags: ['etl'],
    role: 'operator',
    request: { params: TableParamsSchema, query: RefreshTableQuerySchema, body: RefreshTableBodySchema },
    responses: { 202: { description: 'Started, or already running', schema: ActionAcceptedSchema }, 404: unknownTable },
    async handler({ params, query, body }, res) {
      const table = tableOr404(params.table);
      if (body.start && query.force) {
        throw badRequest('a backfill range and force=true are exclusive', [
          { field: 'query.force', message: 'not with a backfill range' },
        ]);
      }
      const mode: EtlMode = body.start ? 'backfill' : query.force ? 'force' : 'incremental';
      const input: EtlTableInput = {
        table: table.name,
        mode,
        start: body.start,
        end: body.end,
        timeZone: config.timeZone,
      };
      const key = windowKey(mode, { from: body.start ?? null, to: body.end ?? null }, today());
      await start(res, {
        workflowType: 'etlTable',
        workflowId: etlTableWorkflowId(table.name, mode, key),
        args: [input],
        target: table.name,
        triggeredBy: mode === 'backfill' ? 'backfill' : 'api',
      });
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/etl/status',
    summary: 'Every table: its watermark and its last run with the counts',
    tags: ['etl'],
    role: 'viewer',
    responses: { 200: { description: 'Status', schema: EtlStatusSchema } },
    async handler(_input, res) {
      res.json((await readStatus(db, config.timeZone)) satisfies z.input<typeof EtlStatusSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/etl/status/table/:table',
    summary: 'One table: watermark, the last runs from the log with their counts, the running ones with their progress',
    tags: ['etl'],
    role: 'viewer',
    request: { params: TableParamsSchema },
    responses: { 200: { description: 'Status', schema: EtlTableStatusSchema }, 404: unknownTable },
    async handler({ params }, res) {
      const table = tableOr404(params.table);
      res.json((await readTableStatus(db, config.timeZone, table.name)) satisfies z.input<typeof EtlTableStatusSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/etl/health',
    summary: 'BigQuery reachable, database up, storage `optimal` (TimescaleDB) or `basic`',
    description:
      'BigQuery is judged on evidence: the probe’s answer, or when it gets none in 5 s, a BigQuery call that ' +
      'succeeded in the last 15 minutes (an ETL run, a staged page, an earlier probe), else a second probe.',
    tags: ['etl'],
    role: 'viewer',
    responses: { 200: { description: 'Health', schema: EtlHealthSchema } },
    async handler(_input, res) {
      const bigquery = await checkBigQuery();
      const database = await db.ping();
      const storage = database
        ? await checkStorage(db).then(
            (check) => check.mode,
            () => null,
          )
        : null;
      const status = !database ? 'down' : bigquery.reachable ? 'ok' : 'degraded';
      res.json({ status, bigquery, database, storage } satisfies z.input<typeof EtlHealthSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'get',
    path: '/api/v1/etl/config/tables',
    summary:
      'The table registry: columns with BigQuery and PostgreSQL types, keys, incremental column, lookback, layout',
    tags: ['etl'],
    role: 'viewer',
    responses: { 200: { description: 'Tables', schema: EtlTablesConfigSchema } },
    handler(_input, res) {
      res.json(tablesConfig() satisfies z.input<typeof EtlTablesConfigSchema>);
    },
  });

  defineRoute(router, kit, {
    method: 'post',
    path: '/api/v1/etl/cleanup',
    summary: 'Drop staging left by abandoned runs; close log rows stuck in `running` whose workflow is closed',
    tags: ['etl'],
    role: 'operator',
    responses: { 200: { description: 'What was cleaned', schema: EtlCleanupSchema } },
    async handler(_input, res) {
      res.json((await cleanupAbandoned(db, client)) satisfies z.input<typeof EtlCleanupSchema>);
    },
  });

  return router;
}
