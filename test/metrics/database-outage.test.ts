import { createMetricsActivities } from '../../activities/metrics';
import { withFailureMapping } from '../../lib/errors';
import { createDatabase, type Database } from '../../lib/db';
import { Secret } from '../../lib/secret';
import { generateMetricsDemoData } from '../../local/demo-data/metrics';
import type { MetricsBatchResult } from '../../workflows/metrics/batch';
import { createTestContext, type TestContext } from '../harness/context';
import { startFaultyProxy, type FaultyProxy } from '../harness/tcp-proxy';
import { waitUntil } from '../harness/wait';
import { lockMetricsTable, waitForRunningActivities } from './blocking';
import { metricsSnapshot } from './snapshot';

const TZ = 'America/Santiago';
let ctx: TestContext;
let proxy: FaultyProxy;
let proxiedDb: Database;

beforeAll(async () => {
  ctx = await createTestContext({ PIPELINES_TZ: TZ });
  await generateMetricsDemoData(ctx.db, {
    seed: 12,
    firstDate: '2026-05-01',
    days: 14,
    requestsPerDay: 300,
    advisors: 30,
    timeZone: TZ,
  });
  const url = new URL(ctx.databaseUrl.reveal());
  proxy = await startFaultyProxy(Number(url.port));
  url.port = String(proxy.port);
  // The worker reaches PostgreSQL only through the proxy: the test takes "the database" down.
  proxiedDb = createDatabase({ url: new Secret(url.toString()), max: 4 });
});
afterAll(async () => {
  await proxiedDb.close();
  await proxy.close();
  await ctx.close();
});

describe('the database going down in the middle of a metrics batch', () => {
  it('the metrics fail while it is down and the run completes by retries, with the rows of a clean run', async () => {
    const taskQueue = ctx.uniqueQueue('metrics');
    const activities = withFailureMapping(createMetricsActivities({ db: proxiedDb }));
    await ctx.withWorkers([{ taskQueue, activities }], async () => {
      const start = () =>
        ctx.client.workflow.start('weekly_metrics_batch', {
          taskQueue,
          workflowId: 'metrics-weekly/2026-05-10',
          args: [{ timeZone: TZ, date: '2026-05-10' }],
        });
      const lock = await lockMetricsTable(ctx.db);
      const handle = await start();
      try {
        await waitForRunningActivities(handle, 4);
        proxy.down(); // every connection cut mid-transaction, new ones refused
      } finally {
        await lock.release();
      }
      // The metrics fail while it is down: wait until one is being retried after its failure.
      await waitUntil('a metric retried during the outage', async () =>
        ((await handle.describe()).raw.pendingActivities ?? []).some(
          (activity) => (activity.attempt ?? 1) > 1 && activity.lastFailure,
        ),
      );
      proxy.up();

      const result = (await handle.result()) as MetricsBatchResult;
      expect(result.failed).toEqual([]);
      const afterOutage = await metricsSnapshot(ctx.db);
      expect(afterOutage.length).toBeGreaterThan(0);
      const clean = (await (await start()).result()) as MetricsBatchResult;
      expect(clean.metrics).toEqual(result.metrics);
      expect(await metricsSnapshot(ctx.db)).toEqual(afterOutage);
    });
  });
});
