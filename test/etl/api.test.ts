import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { ETL_TABLES } from '../../lib/etl/registry';
import { etlDashboardWorkflowId } from '../../lib/etl/window';
import { demoDays, demoRows } from '../../local/demo-data/etl';
import { insertSourceRows } from '../../local/etl-source';
import type { EtlDashboardResult } from '../../workflows/etl';
import { startTestApi, type TestApi } from '../api/api-client';
import { TEST_KEYS } from '../harness/context';
import { freePort } from '../harness/ports';
import { recordHistory } from '../harness/histories';
import { createEtlTestContext, type EtlTestContext } from './harness';

/**
 * The ETL's seed API over HTTP, with the real workflows on the `etl` task queue: a dashboard
 * refresh loads the five tables from the emulator, status shows the watermarks and counts, a
 * second refresh writes nothing; table routes, backfill validation, 401/403/404, cleanup.
 */
const ZONE = 'America/Santiago';
let ctx: EtlTestContext;
let api: TestApi;
const today = DateTime.now().setZone(ZONE).toISODate()!;

beforeAll(async () => {
  ctx = await createEtlTestContext();
  api = await startTestApi(ctx);
  const first = DateTime.fromISO(today).minus({ days: 2 }).toISODate()!;
  for (const table of ETL_TABLES) {
    const rows = demoDays(table, first, today).flatMap((day) => demoRows(table.name, day));
    await insertSourceRows(ctx.source, table.name, rows);
  }
}, 120_000);
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

const onEtlQueue = <T>(fn: () => Promise<T>) =>
  ctx.withWorkers([{ taskQueue: 'etl', activities: ctx.activitiesByQueue.etl }], fn);

describe('the ETL API', () => {
  it('refreshes the dashboard (five tables), shows five watermarks with the counts; a second refresh writes nothing', async () => {
    const refresh = async () => {
      const accepted = await api.post('/api/v1/etl/refresh/dashboard', { force: false });
      expect(accepted.status).toBe(202);
      expect(accepted.json.workflowId).toBe(etlDashboardWorkflowId('incremental', today));
      const handle = ctx.client.workflow.getHandle(accepted.json.workflowId, accepted.json.runId);
      const result = (await handle.result()) as EtlDashboardResult;
      await recordHistory(handle, 'etl-dashboard');
      return result;
    };
    const first = await onEtlQueue(refresh);
    expect(first.failed).toEqual([]);
    expect(first.tables.map((t) => t.status)).toEqual(ETL_TABLES.map(() => 'succeeded'));

    const status = await api.get('/api/v1/etl/status', TEST_KEYS.viewer);
    expect(status.status).toBe(200);
    expect(status.json.tables).toHaveLength(5);
    for (const table of status.json.tables) {
      expect(table.watermark).not.toBeNull();
      expect(table.lastRun).toMatchObject({ status: 'succeeded', updated: 0, deleted: 0 });
      expect(table.lastRun.inserted).toBeGreaterThan(0);
    }

    const second = await onEtlQueue(refresh);
    for (const outcome of second.tables) {
      expect(outcome.status).toBe('succeeded');
      if (outcome.status === 'succeeded')
        expect(outcome.result.merge).toMatchObject({ inserted: 0, updated: 0, deleted: 0 });
    }
    const table = await api.get('/api/v1/etl/status/table/dashboard_data', TEST_KEYS.viewer);
    expect(table.status).toBe(200);
    expect(table.json.lastRuns).toHaveLength(2);
    expect(table.json.lastRuns[0]).toMatchObject({ inserted: 0, updated: 0, deleted: 0 });
    expect(table.json.running).toEqual([]);

    // Prometheus: each table's watermark age and its last run's counts (the second, unchanged run).
    const metrics = (await api.get('/metrics', null)).text;
    expect(metrics).toContain('etl_watermark_age_days{table="dashboard_data"} 0');
    expect(metrics).toContain('etl_last_run_rows{table="evolution_data",kind="inserted"} 0');
    expect(metrics).toMatch(/etl_last_run_rows\{table="evolution_data",kind="unchanged"\} [1-9]/);
    expect(metrics).toContain('etl_last_run_succeeded{table="operation_data"} 1');
  }, 240_000);

  it('joins a running job: a second request for the same table run answers the same run', async () => {
    // No worker yet: the first run is still open when the second request arrives.
    const first = await api.post('/api/v1/etl/refresh/table/productivity_data');
    const second = await api.post('/api/v1/etl/refresh/table/productivity_data');
    expect(second.status).toBe(202);
    expect(second.json).toEqual(first.json);
    await onEtlQueue(() => ctx.client.workflow.getHandle(first.json.workflowId, first.json.runId).result());
  }, 120_000);

  it('starts a table refresh, a forced one and a backfill under their business ids', async () => {
    await onEtlQueue(async () => {
      const start = DateTime.fromISO(today).minus({ days: 1 }).toISODate()!;
      const cases: [string, unknown, string][] = [
        ['/api/v1/etl/refresh/table/evolution_data', undefined, `etl-table/evolution_data/incremental/${today}`],
        ['/api/v1/etl/refresh/table/evolution_data?force=true', undefined, `etl-table/evolution_data/force/${today}`],
        [
          '/api/v1/etl/refresh/table/evolution_data',
          { start, end: today },
          `etl-table/evolution_data/backfill/${start}_${today}`,
        ],
      ];
      for (const [path, body, workflowId] of cases) {
        const accepted = await api.post(path, body);
        expect(accepted.status).toBe(202);
        expect(accepted.json.workflowId).toBe(workflowId);
        await ctx.client.workflow.getHandle(workflowId, accepted.json.runId).result();
      }
    });
  }, 120_000);

  it('counts the keys repeated upstream in the status routes and /metrics', async () => {
    // Today's first operation row, twice more: one key, three extracted rows, two dropped.
    const [row] = demoRows('operation_data', today);
    await insertSourceRows(ctx.source, 'operation_data', [row!, row!]);
    const accepted = await api.post('/api/v1/etl/refresh/table/operation_data?force=true');
    expect(accepted.status).toBe(202);
    await onEtlQueue(() => ctx.client.workflow.getHandle(accepted.json.workflowId, accepted.json.runId).result());

    const status = await api.get('/api/v1/etl/status', TEST_KEYS.viewer);
    const run = status.json.tables.find((t: { table: string }) => t.table === 'operation_data').lastRun;
    expect(run).toMatchObject({ status: 'succeeded', duplicatesDropped: 2 });
    expect(run.inserted + run.updated + run.unchanged + run.duplicatesDropped).toBe(run.rowsExtracted);
    const table = await api.get('/api/v1/etl/status/table/operation_data', TEST_KEYS.viewer);
    expect(table.json.lastRuns[0]).toMatchObject({ runId: run.runId, duplicatesDropped: 2 });
    // The earlier runs of the table had no repeated key.
    expect(table.json.lastRuns.slice(1).map((r: { duplicatesDropped: number }) => r.duplicatesDropped)).toContain(0);
    const metrics = (await api.get('/metrics', null)).text;
    expect(metrics).toContain('etl_last_run_rows{table="operation_data",kind="duplicates_dropped"} 2');
  }, 120_000);

  it('answers 404 for an unknown table, 400 for a bad backfill, 401 without a key, 403 for a viewer action', async () => {
    expect((await api.post('/api/v1/etl/refresh/table/nope')).status).toBe(404);
    const unknown = await api.get('/api/v1/etl/status/table/nope', TEST_KEYS.viewer);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    const half = await api.post('/api/v1/etl/refresh/table/dashboard_data', { start: today });
    expect(half.status).toBe(400);
    expect(
      (await api.post('/api/v1/etl/refresh/table/dashboard_data', { start: today, end: '2020-01-01' })).status,
    ).toBe(400);
    expect((await api.post('/api/v1/etl/refresh/table/dashboard_data?force=maybe')).status).toBe(400);
    const both = await api.post('/api/v1/etl/refresh/table/dashboard_data?force=true', { start: today, end: today });
    expect(both.status).toBe(400);
    expect(both.json.errors).toEqual([{ field: 'query.force', message: 'not with a backfill range' }]);
    expect((await api.post('/api/v1/etl/refresh/table/dashboard_data?extra=1')).status).toBe(400);
    expect((await api.post('/api/v1/etl/refresh/dashboard', { force: 'yes' })).status).toBe(400);
    expect((await api.get('/api/v1/etl/status', null)).status).toBe(401);
    expect((await api.post('/api/v1/etl/refresh/dashboard', {}, TEST_KEYS.viewer)).status).toBe(403);
    expect((await api.post('/api/v1/etl/cleanup', undefined, TEST_KEYS.viewer)).status).toBe(403);
  });

  it('shows the registry, the health (BigQuery reachable, storage basic) and the routes in OpenAPI', async () => {
    const tables = await api.get('/api/v1/etl/config/tables', TEST_KEYS.viewer);
    expect(tables.json.tables.map((t: { name: string }) => t.name)).toEqual(ETL_TABLES.map((t) => t.name));
    expect(tables.json.tables[0].primaryKey).toEqual(['fecha_foto', 'archivo', 'cartera', 'servicio']);
    const health = await api.get('/api/v1/etl/health', TEST_KEYS.viewer);
    expect(health.json).toEqual({
      status: 'ok',
      bigquery: { reachable: true, evidence: 'probe', lastSuccessAt: expect.any(String), probeAttempts: 1 },
      database: true,
      storage: 'basic',
    });
    const openapi = await api.get('/openapi.json', null);
    for (const path of [
      '/api/v1/etl/refresh/dashboard',
      '/api/v1/etl/refresh/table/{table}',
      '/api/v1/etl/status/table/{table}',
      '/api/v1/etl/cleanup',
    ]) {
      expect(Object.keys(openapi.json.paths)).toContain(path);
    }
  });

  it('reports degraded health when BigQuery does not answer', async () => {
    const config = {
      ...ctx.config,
      bigquery: { ...ctx.config.bigquery, apiEndpoint: `http://127.0.0.1:${await freePort()}` },
    };
    const offline = await startTestApi(ctx, { config });
    try {
      const health = await offline.get('/api/v1/etl/health', TEST_KEYS.viewer);
      expect(health.status).toBe(200);
      // Nothing listens there: refused at once, whatever the recent runs say.
      expect(health.json).toMatchObject({
        status: 'degraded',
        bigquery: { reachable: false, evidence: 'none', probeAttempts: 1 },
        database: true,
      });
      expect(health.json.bigquery.error).toEqual(expect.any(String));
    } finally {
      await offline.close();
    }
  });

  it('cleans up staging nobody owns and log rows stuck in running whose workflow is gone', async () => {
    await ctx.db.query('CREATE TABLE etl_staging.orphan_run (x int)');
    const runId = randomUUID();
    await ctx.db.query(
      `INSERT INTO etl_execution_log (run_id, started_at, workflow_id, table_name, mode, status)
       VALUES ($1, now(), 'etl-table/dashboard_data/incremental/gone', 'dashboard_data', 'incremental', 'running')`,
      [runId],
    );
    const cleanup = await api.post('/api/v1/etl/cleanup');
    expect(cleanup.status).toBe(200);
    expect(cleanup.json).toEqual({
      stagingDropped: ['orphan_run'],
      runsClosed: [{ runId, workflowId: 'etl-table/dashboard_data/incremental/gone', status: 'NOT_FOUND' }],
    });
    const { rows } = await ctx.db.query('SELECT status, error FROM etl_execution_log WHERE run_id = $1', [runId]);
    expect(rows[0]).toMatchObject({ status: 'failed' });
  });
});
