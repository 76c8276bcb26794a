import type { ChildProcess } from 'node:child_process';
import { generateMetricsDemoData } from '../../local/demo-data/metrics';
import type { MetricsBatchResult } from '../../workflows/metrics/batch';
import { createTestContext, type TestContext } from '../harness/context';
import { killWorkerProcess, startWorkerProcess } from '../harness/worker-process';
import { lockMetricsTable, waitForRunningActivities } from './blocking';
import { metricsSnapshot } from './snapshot';

const TZ = 'America/Santiago';
let ctx: TestContext;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ PIPELINES_TZ: TZ });
  await generateMetricsDemoData(ctx.db, {
    seed: 11,
    firstDate: '2026-05-01',
    days: 10,
    requestsPerDay: 400,
    advisors: 30,
    timeZone: TZ,
  });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await ctx.close();
});

describe('a worker SIGKILLed in the middle of a metrics batch', () => {
  it('a new worker completes it, with exactly the rows of a clean run', async () => {
    const taskQueue = ctx.uniqueQueue('metrics');
    const start = (workflowId: string) =>
      ctx.client.workflow.start('daily_metrics_batch', {
        taskQueue,
        workflowId,
        args: [{ timeZone: TZ, date: '2026-05-06', heartbeatTimeout: '3 seconds' }],
      });
    const first = await startWorkerProcess(
      { databaseUrl: ctx.databaseUrl.reveal(), taskQueue, activities: 'metrics' },
      children,
    );
    // Every metric blocks on the results table, so all four are in flight when the worker dies.
    const lock = await lockMetricsTable(ctx.db);
    const handle = await start('metrics-daily/2026-05-06');
    try {
      await waitForRunningActivities(handle, 4);
      await killWorkerProcess(first);
    } finally {
      await lock.release();
    }
    // The dead worker's transactions never commit; a new worker retries every metric once the
    // heartbeat timeout says the old one is gone.
    await startWorkerProcess({ databaseUrl: ctx.databaseUrl.reveal(), taskQueue, activities: 'metrics' }, children);
    const result = (await handle.result()) as MetricsBatchResult;
    expect(result.failed).toEqual([]);
    const afterKill = await metricsSnapshot(ctx.db);
    expect(afterKill.length).toBe(result.metrics.reduce((sum, m) => sum + (m.status === 'ok' ? m.rows : 0), 0));

    const clean = (await (await start('metrics-daily/2026-05-06')).result()) as MetricsBatchResult;
    expect(clean.metrics).toEqual(result.metrics);
    expect(await metricsSnapshot(ctx.db)).toEqual(afterKill);
  });
});
