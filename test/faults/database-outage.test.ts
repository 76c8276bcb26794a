import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, type Database } from '../../lib/db';
import { Secret } from '../../lib/secret';
import { createDrillActivities, DRILL_SCHEMA } from '../fixtures/drill-activities';
import { createTestContext, type TestContext } from '../harness/context';
import { startFaultyProxy, type FaultyProxy } from '../harness/tcp-proxy';
import { waitUntil } from '../harness/wait';

let ctx: TestContext;
let proxy: FaultyProxy;
let proxiedDb: Database;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.db.query(DRILL_SCHEMA);
  const url = new URL(ctx.databaseUrl.reveal());
  proxy = await startFaultyProxy(Number(url.port));
  url.port = String(proxy.port);
  // The worker's pool reaches PostgreSQL only through the proxy, so the test can cut it off.
  proxiedDb = createDatabase({ url: new Secret(url.toString()), max: 2 });
});
afterAll(async () => {
  await proxiedDb.close();
  await proxy.close();
  await ctx.close();
});

describe('the database down in the middle of a workflow', () => {
  it('fails the activities while it is down, and the run completes by retries once it is back', async () => {
    const taskQueue = ctx.uniqueQueue('drill');
    const runKey = taskQueue;
    const steps = 5;
    await ctx.withWorkers([{ taskQueue, activities: createDrillActivities(proxiedDb) }], async () => {
      const handle = await ctx.client.workflow.start('drillSteps', {
        taskQueue,
        workflowId: `drill/${runKey}`,
        args: [{ runKey, steps, stepMillis: 300 }],
      });
      const stored = async () =>
        Number((await ctx.db.query('SELECT count(*) AS n FROM drill_steps WHERE run_key = $1', [runKey])).rows[0]?.n);
      while ((await stored()) < 1) await sleep(50);

      proxy.down();
      // Until an activity has failed against the outage and is being retried: seen, not slept for.
      await waitUntil('an activity retried during the outage', async () =>
        ((await handle.describe()).raw.pendingActivities ?? []).some((a) => (a.attempt ?? 1) > 1 && a.lastFailure),
      );
      const duringOutage = await stored();
      expect(duringOutage).toBeLessThan(steps);
      proxy.up();

      await expect(handle.result()).resolves.toBe(steps);
      const { rows } = await ctx.db.query<{ step: number }>(
        'SELECT step FROM drill_steps WHERE run_key = $1 ORDER BY step',
        [runKey],
      );
      expect(rows.map((row) => row.step)).toEqual([0, 1, 2, 3, 4]);
      // Some attempt failed against the outage and was retried.
      const { rows: failed } = await ctx.db.query<{ n: bigint }>(
        'SELECT count(*) AS n FROM drill_attempts WHERE run_key = $1 AND attempt > 1',
        [runKey],
      );
      expect(Number(failed[0]?.n)).toBeGreaterThan(0);
    });
  });
});
