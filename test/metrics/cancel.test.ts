import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { DateTime } from 'luxon';
import { DAILY_FORMULAS } from '../../data/metrics/formulas/daily';
import { createDatabase, type Database } from '../../lib/db';
import type { MetricsBatchInput } from '../../workflows/metrics/batch';
import { dayPeriod } from '../../lib/metrics/periods';
import { lockTables, lockWaiters, waitForLockWaiters } from '../fixtures/lock-waits';
import { FIXTURE_TZ, insertMetricsFixture } from '../fixtures/metrics-fixture';
import { createTestContext, type TestContext } from '../harness/context';
import { expectCanceled } from '../workflows/cancellation';
import { createDailyLauncherSchedule } from './launcher-schedule';

/**
 * Cancelling each metrics workflow type while its activities are inside their transactions (held
 * there by a table lock): the run ends Canceled, its statements are gone from the server, and
 * once the lock is released nothing is written: the period keeps its old rows.
 */
let ctx: TestContext;
let watcher: Database;
beforeAll(async () => {
  ctx = await createTestContext({ PIPELINES_TZ: FIXTURE_TZ });
  // Locks and observation on a pool of their own: the activities' pool keeps its connections.
  watcher = createDatabase({ url: ctx.databaseUrl, max: 3 });
  await insertMetricsFixture(ctx.db);
});
afterAll(async () => {
  await watcher.close();
  await ctx.close();
});

const rowIds = async () =>
  (await ctx.db.query<{ id: bigint }>('SELECT id FROM metricas_calculadas ORDER BY id')).rows.map((row) => row.id);

/** Starts `job`, waits until `statements` of its statements wait on `tables`, cancels it. */
async function cancelWhileLocked(job: string, input: MetricsBatchInput, tables: string[], statements: number) {
  const taskQueue = ctx.uniqueQueue('metrics-cancel');
  return ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.metrics }], async () => {
    const lock = await lockTables(watcher, tables);
    try {
      const handle = await ctx.client.workflow.start(job, {
        taskQueue,
        workflowId: `${job}/cancel-${taskQueue}`,
        args: [input],
      });
      await waitForLockWaiters(watcher, statements);
      await handle.cancel();
      const { activitiesCanceled } = await expectCanceled(handle);
      // The run ended only after its activities stopped: their statements are gone already.
      expect(await lockWaiters(watcher)).toEqual([]);
      return { activitiesCanceled };
    } finally {
      await lock.release();
    }
  });
}

async function runToCompletion(job: string, input: MetricsBatchInput) {
  const taskQueue = ctx.uniqueQueue('metrics-cancel');
  await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.metrics }], async () => {
    await ctx.client.workflow.execute(job, { taskQueue, workflowId: `${job}/complete-${taskQueue}`, args: [input] });
  });
}

describe('cancelling a metrics run', () => {
  it('daily_metrics_batch ends Canceled, its four metrics cancelled, the old rows of the day kept', async () => {
    const input = { timeZone: FIXTURE_TZ, date: '2026-03-10' };
    await runToCompletion('daily_metrics_batch', input);
    const before = await rowIds();
    expect(before.length).toBeGreaterThan(0);
    const { activitiesCanceled } = await cancelWhileLocked('daily_metrics_batch', input, ['metricas_calculadas'], 4);
    expect(activitiesCanceled).toBe(4);
    await sleep(1_500); // a statement that outlived the run would write now
    expect(await rowIds()).toEqual(before);
  });

  it('weekly_metrics_batch ends Canceled, its four metrics cancelled, the old rows of the week kept', async () => {
    const input = { timeZone: FIXTURE_TZ, date: '2026-03-15' };
    await runToCompletion('weekly_metrics_batch', input);
    const before = await rowIds();
    const { activitiesCanceled } = await cancelWhileLocked('weekly_metrics_batch', input, ['metricas_calculadas'], 4);
    expect(activitiesCanceled).toBe(4);
    await sleep(1_500);
    expect(await rowIds()).toEqual(before);
  });

  it('cleanup_metrics ends Canceled and deletes nothing', async () => {
    await ctx.db.query(`INSERT INTO eventos (tipo, ocurrido_en) VALUES ('viejo', now() - interval '40 days')`);
    await ctx.db.query(
      `INSERT INTO metricas_calculadas (nombre, tipo, valor, periodo_inicio, periodo_fin, expira_en)
       VALUES ('vencida', 'conteo', 1, now() - interval '100 days', now() - interval '99 days', now() - interval '9 days')`,
    );
    const count = async (sql: string) => Number((await ctx.db.query<{ n: bigint }>(sql)).rows[0]!.n);
    const oldEvents = () => count(`SELECT count(*) AS n FROM eventos WHERE ocurrido_en < now() - interval '30 days'`);
    const expired = () => count('SELECT count(*) AS n FROM metricas_calculadas WHERE expira_en < now()');
    const [eventsBefore, expiredBefore] = [await oldEvents(), await expired()];
    expect(eventsBefore).toBeGreaterThan(0);
    expect(expiredBefore).toBeGreaterThan(0);
    const input = { timeZone: FIXTURE_TZ, date: DateTime.now().setZone(FIXTURE_TZ).toISODate()! };
    const { activitiesCanceled } = await cancelWhileLocked(
      'cleanup_metrics',
      input,
      ['metricas_calculadas', 'eventos'],
      2,
    );
    expect(activitiesCanceled).toBe(2);
    await sleep(1_500);
    expect([await oldEvents(), await expired()]).toEqual([eventsBefore, expiredBefore]);
  });

  it('the scheduled launcher ends Canceled and so does the batch it started; the day keeps its old rows', async () => {
    // A scheduled run at 02:00 of a day long past (derived from now: no calendar), backfilled.
    const scheduledAt = DateTime.now().setZone(FIXTURE_TZ).minus({ days: 1234 }).set({ hour: 2, minute: 0, second: 0 });
    const date = scheduledAt.minus({ days: 1 }).toISODate()!;
    const periodo = dayPeriod(date, FIXTURE_TZ);
    // A row the daily batch replaces: a run that went on would delete it.
    const [nombre] = Object.keys(DAILY_FORMULAS.rankingAsesores.outputs);
    await ctx.db.query(
      `INSERT INTO metricas_calculadas (nombre, tipo, valor, periodo_inicio, periodo_fin, expira_en)
       VALUES ($1, 'conteo', 1, $2, $3, now() + interval '1 day')`,
      [nombre, periodo.inicio, periodo.fin],
    );
    const before = await rowIds();
    const taskQueue = ctx.uniqueQueue('metrics-cancel');
    const scheduleId = `test-cancel-${taskQueue}`;
    const schedule = await createDailyLauncherSchedule(ctx.client, scheduleId, taskQueue);
    const lock = await lockTables(watcher, ['metricas_calculadas']);
    try {
      await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.metrics }], async () => {
        await schedule.backfill([
          {
            start: scheduledAt.minus({ hours: 1 }).toJSDate(),
            end: scheduledAt.plus({ hours: 1 }).toJSDate(),
            overlap: ScheduleOverlapPolicy.BUFFER_ALL,
          },
        ]);
        await waitForLockWaiters(watcher, 4);
        const parentId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId;
        expect(parentId).toBeDefined();
        const parent = ctx.client.workflow.getHandle(parentId!);
        const child = ctx.client.workflow.getHandle(`metrics-daily/${date}`);
        expect((await child.describe()).parentExecution?.workflowId).toBe(parentId);

        await parent.cancel();
        await expectCanceled(parent);
        // Cancelling the launcher cancels its child, which ends only once its metrics stopped.
        const { activitiesCanceled } = await expectCanceled(child);
        expect(activitiesCanceled).toBe(4);
        expect(await lockWaiters(watcher)).toEqual([]);
      });
    } finally {
      await lock.release();
      await schedule.delete();
    }
    await sleep(1_500);
    expect(await rowIds()).toEqual(before);
  });
});
