import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BUSINESS_DATE, FAILED_STEPS, PIPELINE, PIPELINE_TARGET, TRIGGERED_BY } from '../../lib/search-attributes';
import type { MetricsBatchInput, MetricsBatchResult } from '../../workflows/metrics/batch';
import { FIXTURE_TZ, insertMetricsFixture } from '../fixtures/metrics-fixture';
import { createTestContext, type TestContext } from '../harness/context';
import { recordHistory } from '../harness/histories';
import { waitUntil } from '../harness/wait';
import { metricsSnapshot } from './snapshot';
import { createDailyLauncherSchedule } from './launcher-schedule';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ PIPELINES_TZ: FIXTURE_TZ });
  await insertMetricsFixture(ctx.db);
});
afterAll(() => ctx.close());

const apiAttributes = [
  { key: PIPELINE, value: 'metrics' },
  { key: TRIGGERED_BY, value: 'api' },
];

async function runBatch(
  job: string,
  workflowId: string,
  input: MetricsBatchInput,
  activities = ctx.activitiesByQueue.metrics,
) {
  const taskQueue = ctx.uniqueQueue('metrics');
  return ctx.withWorkers([{ taskQueue, activities }], async () => {
    const handle = await ctx.client.workflow.start(job, {
      taskQueue,
      workflowId,
      args: [input],
      typedSearchAttributes: apiAttributes,
    });
    const result = (await handle.result()) as MetricsBatchResult;
    return { handle, result };
  });
}

const rowsByMetric = (result: MetricsBatchResult) =>
  Object.fromEntries(
    result.metrics.map((outcome) => [outcome.metric, outcome.status === 'ok' ? outcome.rows : outcome.error]),
  );

describe('metric batch workflows on the dev server and PostgreSQL', () => {
  it('daily: the four metrics of the day under metrics-daily/<fecha>; a re-run replaces the rows', async () => {
    const input = { timeZone: FIXTURE_TZ, date: '2026-03-10' };
    const { handle, result } = await runBatch('daily_metrics_batch', 'metrics-daily/2026-03-10', input);
    await recordHistory(handle, 'metrics-daily');
    expect(result).toMatchObject({
      job: 'daily_metrics_batch',
      date: '2026-03-10',
      periodo: { inicio: '2026-03-10T03:00:00.000Z', fin: '2026-03-11T03:00:00.000Z' },
      failed: [],
    });
    expect(rowsByMetric(result)).toEqual({
      rankingAsesores: 3,
      especializacionAsesores: 5,
      conversionCiudad: 4,
      tiempoRespuestaAsesor: 9,
    });
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(PIPELINE_TARGET)).toBe('daily_metrics_batch');
    expect(attributes.get(BUSINESS_DATE)).toBe('2026-03-10');
    expect(attributes.get(FAILED_STEPS)).toBeUndefined();

    const first = await metricsSnapshot(ctx.db);
    expect(first).toHaveLength(21);
    await runBatch('daily_metrics_batch', 'metrics-daily/2026-03-10', input);
    expect(await metricsSnapshot(ctx.db)).toEqual(first);
  });

  it('weekly: the four weekly metrics of the 7 days ending fecha_fin', async () => {
    const { handle, result } = await runBatch('weekly_metrics_batch', 'metrics-weekly/2026-03-15', {
      timeZone: FIXTURE_TZ,
      date: '2026-03-15',
    });
    await recordHistory(handle, 'metrics-weekly');
    expect(result.periodo).toEqual({ inicio: '2026-03-09T03:00:00.000Z', fin: '2026-03-16T03:00:00.000Z' });
    expect(rowsByMetric(result)).toEqual({
      tendenciaSolicitudes: 3,
      evolucionAsesores: 3,
      patronesDemanda: 6,
      satisfaccion: 2,
    });
  });

  it('a failing metric leaves the others stored, is listed with its error and tags the run FailedSteps', async () => {
    const broken = {
      ...ctx.activitiesByQueue.metrics,
      satisfaccion: () => Promise.reject(ApplicationFailure.nonRetryable('ratings table unreadable', 'Drill')),
    };
    await ctx.db.query('DELETE FROM metricas_calculadas');
    const workflowId = 'metrics-weekly/2026-03-15';
    const { handle, result } = await runBatch(
      'weekly_metrics_batch',
      workflowId,
      { timeZone: FIXTURE_TZ, date: '2026-03-15' },
      broken,
    );
    expect(result.failed).toEqual(['satisfaccion']);
    expect(result.metrics).toContainEqual({
      metric: 'satisfaccion',
      status: 'failed',
      error: 'ratings table unreadable',
    });
    expect(rowsByMetric(result)).toMatchObject({ tendenciaSolicitudes: 3, evolucionAsesores: 3, patronesDemanda: 6 });
    const { rows } = await ctx.db.query(
      `SELECT nombre, count(*)::int AS n FROM metricas_calculadas GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { nombre: 'demanda_categoria_semanal', n: 2 },
      { nombre: 'demanda_dia_hora_semanal', n: 4 },
      { nombre: 'evolucion_asesores_semanal', n: 3 },
      { nombre: 'tendencia_solicitudes_semanal', n: 3 },
    ]);
    expect((await handle.describe()).typedSearchAttributes.get(FAILED_STEPS)).toBe('satisfaccion');
    // Operators find such runs with `FailedSteps IS NOT NULL` in the Temporal UI.
    const found = await waitUntil(
      'the run listed by FailedSteps',
      async () =>
        (await ctx.client.workflow.count(`FailedSteps IS NOT NULL AND WorkflowId = '${workflowId}'`)).count ||
        undefined,
    );
    expect(found).toBe(1);
  });

  it('cleanup: deletes expired metric rows and eventos older than 30 days, nothing else', async () => {
    await ctx.db.query(
      `INSERT INTO eventos (tipo, ocurrido_en) VALUES
         ('viejo', now() - interval '31 days'), ('viejo', now() - interval '45 days'), ('reciente', now() - interval '29 days')`,
    );
    // Expiry meets the clock: one row expired, one still valid, both relative to now; the fixture's
    // own rows (March dates) expire on calendar days, so they are counted, not assumed.
    await ctx.db.query(
      `INSERT INTO metricas_calculadas (nombre, tipo, valor, periodo_inicio, periodo_fin, expira_en)
       VALUES ('vencida', 'conteo', 1, now() - interval '100 days', now() - interval '99 days', now() - interval '9 days'),
              ('vigente', 'conteo', 1, now() - interval '2 days', now() - interval '1 day', now() + interval '9 days')`,
    );
    await runBatch('daily_metrics_batch', 'metrics-daily/2026-03-10', { timeZone: FIXTURE_TZ, date: '2026-03-10' });
    const count = async (where: string) =>
      Number((await ctx.db.query(`SELECT count(*) AS n FROM metricas_calculadas WHERE ${where}`)).rows[0]?.n);
    const expired = await count('expira_en < now()');
    const kept = await count('expira_en >= now()');
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(kept).toBeGreaterThanOrEqual(1);
    const { handle, result } = await runBatch('cleanup_metrics', 'metrics-cleanup/test', {
      timeZone: FIXTURE_TZ,
      date: '2026-11-22',
    });
    await recordHistory(handle, 'metrics-cleanup');
    expect(rowsByMetric(result)).toEqual({ limpiarMetricasExpiradas: expired, limpiarEventosAntiguos: 2 });
    const { rows } = await ctx.db.query('SELECT tipo FROM eventos');
    expect(rows).toEqual([{ tipo: 'reciente' }]);
    expect(await count('true')).toBe(kept);
    expect(await count(`nombre = 'vigente'`)).toBe(1);
    expect(await count(`nombre = 'vencida'`)).toBe(0);
  });

  it('a scheduled (here backfilled) run computes the previous local day under metrics-daily/<fecha>', async () => {
    const taskQueue = ctx.uniqueQueue('metrics');
    const scheduleId = `test-daily-${taskQueue}`;
    const handle = await createDailyLauncherSchedule(ctx.client, scheduleId, taskQueue);
    try {
      await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.metrics }], async () => {
        // 02:00 on 2026-03-11 in Santiago computes 2026-03-10.
        await handle.backfill([
          {
            start: new Date('2026-03-11T04:00:00Z'),
            end: new Date('2026-03-11T06:00:00Z'),
            overlap: ScheduleOverlapPolicy.BUFFER_ALL,
          },
        ]);
        const parentId = await waitUntil(
          'the backfilled action',
          async () => (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId,
        );
        const parent = ctx.client.workflow.getHandle(parentId);
        const result = (await parent.result()) as MetricsBatchResult;
        await recordHistory(parent, 'metrics-daily-scheduled');
        expect(result).toMatchObject({ job: 'daily_metrics_batch', date: '2026-03-10', failed: [] });
        const child = await ctx.client.workflow.getHandle('metrics-daily/2026-03-10').describe();
        expect(child.status.name).toBe('COMPLETED');
        expect(child.parentExecution?.workflowId).toBe(parentId);
        expect(child.typedSearchAttributes.get(TRIGGERED_BY)).toBe('backfill');
        expect(child.typedSearchAttributes.get(PIPELINE)).toBe('metrics');
        expect(child.typedSearchAttributes.get(BUSINESS_DATE)).toBe('2026-03-10');
      });
    } finally {
      await handle.delete();
    }
  });
});
