import { randomBytes } from 'node:crypto';
import { TRIGGERED_BY } from '../../lib/search-attributes';
import { generateMetricsDemoData } from '../../local/demo-data/metrics';
import { applySchedules } from '../../schedules/apply';
import { metricsSchedules } from '../../schedules/metrics';
import type { AnyScheduleDeclaration } from '../../schedules/types';
import type { MetricsBatchResult } from '../../workflows/metrics/batch';
import { eventually, startTestApi, type TestApi } from '../api/api-client';
import { createTestContext, TEST_KEYS, type TestContext } from '../harness/context';

const TZ = 'America/Santiago';
const owner = `test-metrics-api-${randomBytes(4).toString('hex')}`;
let ctx: TestContext;
let api: TestApi;
let schedules: AnyScheduleDeclaration[];
/** The schedules fire twelve hours from now: never during the test. */
const fireHour = (new Date().getUTCHours() + 12) % 24;

beforeAll(async () => {
  ctx = await createTestContext({ PIPELINES_TZ: TZ });
  await generateMetricsDemoData(ctx.db, {
    seed: 3,
    firstDate: '2026-02-01',
    days: 21,
    requestsPerDay: 150,
    advisors: 25,
    timeZone: TZ,
  });
  schedules = metricsSchedules({ timeZone: TZ }).map((declaration) => ({
    ...declaration,
    calendars: [{ hour: fireHour, minute: 0, comment: 'twelve hours away' }],
  }));
  // The real job ids: the routes find each job's schedule by its id.
  await applySchedules(ctx.client, schedules, { timeZone: 'UTC' }, { owner });
  api = await startTestApi(ctx, { schedules });
});

afterAll(async () => {
  for (const declaration of schedules ?? []) {
    await ctx.client.schedule
      .getHandle(declaration.id)
      .delete()
      .catch(() => undefined);
  }
  await api?.close();
  await ctx?.close();
});

/** A worker on the `metrics` queue the routes start runs on, for the duration of `fn`. */
const withMetricsWorker = <T>(fn: () => Promise<T>) =>
  ctx.withWorkers([{ taskQueue: 'metrics', activities: ctx.activitiesByQueue.metrics }], fn);

const rankingRows = async (fecha: string) =>
  Number(
    (
      await ctx.db.query(
        `SELECT count(*) AS n FROM metricas_calculadas
         WHERE nombre = 'ranking_asesores_diario' AND periodo_inicio = ($1::date)::timestamp AT TIME ZONE $2`,
        [fecha, TZ],
      )
    ).rows[0]?.n,
  );

describe('seed routes of the metric batches', () => {
  it('POST daily?fecha runs the day; the ranking is readable; the same call again changes no count', async () => {
    await withMetricsWorker(async () => {
      const first = await api.post('/dashboards/batch-jobs/daily?fecha=2026-02-10');
      expect(first.status).toBe(202);
      expect(first.json).toMatchObject({
        workflowId: 'metrics-daily/2026-02-10',
        statusUrl: '/api/v1/runs/metrics-daily%2F2026-02-10',
      });
      const result = (await ctx.client.workflow.getHandle(first.json.workflowId).result()) as MetricsBatchResult;
      expect(result.failed).toEqual([]);
      const ranking = await api.get('/dashboards/metrics/calculated?nombre_metrica=ranking_asesores_diario&limit=500');
      expect(ranking.status).toBe(200);
      const rows = ranking.json.metricas as { dimensiones: { posicion: number }; periodo_inicio: string }[];
      expect(rows.length).toBeGreaterThan(5);
      expect(rows.length).toBe(await rankingRows('2026-02-10'));
      // Newest computation first, in rank order.
      expect(rows.map((row) => row.dimensiones.posicion)).toEqual(rows.map((_, i) => i + 1));
      expect(rows[0]?.periodo_inicio).toBe('2026-02-10T03:00:00+00:00');
      const count = Number((await ctx.db.query('SELECT count(*) AS n FROM metricas_calculadas')).rows[0]?.n);

      const again = await api.post('/dashboards/batch-jobs/daily?fecha=2026-02-10');
      expect(again.status).toBe(202);
      await ctx.client.workflow.getHandle(again.json.workflowId, again.json.runId).result();
      expect(again.json.runId).not.toBe(first.json.runId);
      expect(Number((await ctx.db.query('SELECT count(*) AS n FROM metricas_calculadas')).rows[0]?.n)).toBe(count);
    });
  });

  it('a second call for a date that is running joins the running run', async () => {
    // No worker yet: the first run stays running while the second call arrives.
    const [a, b] = await Promise.all([
      api.post('/dashboards/batch-jobs/weekly?fecha_fin=2026-02-15'),
      api.post('/dashboards/batch-jobs/weekly?fecha_fin=2026-02-15'),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.json.workflowId).toBe('metrics-weekly/2026-02-15');
    expect(b.json.runId).toBe(a.json.runId);
    await withMetricsWorker(() => ctx.client.workflow.getHandle(a.json.workflowId).result());
  });

  it('trigger/{job_id} runs a job for the date its schedule would compute now', async () => {
    const response = await api.post('/dashboards/batch-jobs/trigger/cleanup_metrics');
    expect(response.status).toBe(202);
    expect(response.json.workflowId).toMatch(/^metrics-cleanup\/\d{4}-\d{2}-\d{2}$/);
    const handle = ctx.client.workflow.getHandle(response.json.workflowId);
    await withMetricsWorker(() => handle.result());
    expect((await handle.describe()).typedSearchAttributes.get(TRIGGERED_BY)).toBe('api');
  });

  it("a schedule's trigger route tags the launcher and the batch it starts api, like trigger/{job_id}", async () => {
    const response = await api.post('/api/v1/schedules/daily_metrics_batch/trigger');
    expect(response.status).toBe(202);
    const launcher = ctx.client.workflow.getHandle(response.json.workflowId);
    const result = (await withMetricsWorker(() => launcher.result())) as { date: string };
    const batch = await ctx.client.workflow.getHandle(`metrics-daily/${result.date}`).describe();
    expect((await launcher.describe()).typedSearchAttributes.get(TRIGGERED_BY)).toBe('api');
    expect(batch.typedSearchAttributes.get(TRIGGERED_BY)).toBe('api');
  });

  it('a backfill of a date range through the schedule runs each day once', async () => {
    await ctx.db.query('DELETE FROM metricas_calculadas');
    await withMetricsWorker(async () => {
      const response = await api.post('/api/v1/schedules/daily_metrics_batch/backfill', {
        start: '2026-02-12T00:00:00-03:00',
        end: '2026-02-15T00:00:00-03:00',
      });
      expect(response.status).toBe(202);
      // The schedule fires at `fireHour` UTC each day: three firings, for the three days before each.
      const days = await eventually(async () => {
        const { rows } = await ctx.db.query<{ dia: string }>(
          `SELECT DISTINCT to_char(periodo_inicio AT TIME ZONE $1, 'YYYY-MM-DD') AS dia FROM metricas_calculadas
           WHERE nombre = 'ranking_asesores_diario' ORDER BY 1`,
          [TZ],
        );
        return rows.length >= 3 ? rows.map((row) => row.dia) : undefined;
      }, 90_000);
      expect(days).toHaveLength(3);
      for (const day of days) {
        const run = await ctx.client.workflow.getHandle(`metrics-daily/${day}`).describe();
        expect(run.typedSearchAttributes.get(TRIGGERED_BY)).toBe('backfill');
        await ctx.client.workflow.getHandle(`metrics-daily/${day}`).result();
      }
      // Each day once: as many ranking rows as advisors with offers that day.
      for (const day of days) {
        const { rows } = await ctx.db.query(
          `SELECT count(DISTINCT asesor_id) AS n FROM ofertas
           WHERE creada_en >= ($1::date)::timestamp AT TIME ZONE $2 AND creada_en < ($1::date + 1)::timestamp AT TIME ZONE $2`,
          [day, TZ],
        );
        expect(await rankingRows(day)).toBe(Number(rows[0]?.n));
      }
    });
  });

  it('GET status lists each job with its schedule, last run and last result', async () => {
    const response = await api.get('/dashboards/batch-jobs/status', TEST_KEYS.viewer);
    expect(response.status).toBe(200);
    const jobs = response.json.jobs as {
      id: string;
      schedule: { state: string; nextActionTimes: string[] };
      lastRun: { workflowId: string } | null;
      lastResult: MetricsBatchResult | null;
    }[];
    expect(jobs.map((job) => job.id)).toEqual(['daily_metrics_batch', 'weekly_metrics_batch', 'cleanup_metrics']);
    for (const job of jobs) {
      expect(job.schedule.state).toBe('applied');
      expect(job.schedule.nextActionTimes.length).toBeGreaterThan(0);
      expect(job.lastRun).not.toBeNull();
    }
    expect(jobs[0]?.lastRun?.workflowId).toMatch(/^metrics-daily\//);
    expect(jobs[0]?.lastResult?.metrics.map((metric) => metric.metric)).toEqual([
      'rankingAsesores',
      'especializacionAsesores',
      'conversionCiudad',
      'tiempoRespuestaAsesor',
    ]);
  });

  it.each([
    ['/dashboards/batch-jobs/daily?fecha=2026-02-30', 'query.fecha'],
    ['/dashboards/batch-jobs/daily?fecha=10-02-2026', 'query.fecha'],
    ['/dashboards/batch-jobs/daily', 'query.fecha'],
    ['/dashboards/batch-jobs/daily?fecha=2999-01-01', 'query.fecha'],
    ['/dashboards/batch-jobs/daily?fecha=2026-02-10&extra=1', 'query.extra'],
    ['/dashboards/batch-jobs/weekly?fecha_fin=2999-01-04', 'query.fecha_fin'],
    ['/dashboards/batch-jobs/weekly?fecha=2026-02-15', 'query.fecha'],
    ['/dashboards/batch-jobs/trigger/drop_tables', 'params.job_id'],
    // Dates before the floor (2000-01-01) would start runs over nothing.
    ['/dashboards/batch-jobs/daily?fecha=0001-01-01', 'query.fecha'],
    ['/dashboards/batch-jobs/daily?fecha=1999-12-31', 'query.fecha'],
    ['/dashboards/batch-jobs/weekly?fecha_fin=1900-01-01', 'query.fecha_fin'],
    ['/dashboards/batch-jobs/daily?fecha=', 'query.fecha'],
    ['/dashboards/batch-jobs/daily?fecha=%202026-02-10', 'query.fecha'],
    ['/dashboards/batch-jobs/daily?fecha=20260210', 'query.fecha'],
  ])('POST %s is a 400 naming %s', async (path, field) => {
    const response = await api.post(path);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.json.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=5000', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['limit=0x10', 'query.limit'],
    ['limit=1e2', 'query.limit'],
    ['limit=', 'query.limit'],
    ["nombre_metrica=x';DROP TABLE asesores;--", 'query.nombre_metrica'],
  ])('GET calculated?%s is a 400 naming %s', async (query, field) => {
    const response = await api.get(`/dashboards/metrics/calculated?${query}`);
    expect(response.status).toBe(400);
    expect(response.json.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('actions need an operator key; reading needs any key', async () => {
    expect((await api.post('/dashboards/batch-jobs/daily?fecha=2026-02-10', undefined, TEST_KEYS.viewer)).status).toBe(
      403,
    );
    expect((await api.get('/dashboards/metrics/calculated', null)).status).toBe(401);
    expect((await api.get('/dashboards/metrics/calculated?limit=1', TEST_KEYS.viewer)).json.metricas).toHaveLength(1);
  });
});
