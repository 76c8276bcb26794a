import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { PIPELINE, PIPELINE_TARGET, BUSINESS_DATE, TRIGGERED_BY } from '../../lib/search-attributes';
import { createTestContext, type TestContext } from '../harness/context';
import { recordHistory } from '../harness/histories';
import { lockTables, lockWaiters, waitForLockWaiters } from '../fixtures/lock-waits';
import { expectCanceled } from '../workflows/cancellation';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const countRows = async (workflowId: string) =>
  (await ctx.db.query('SELECT count(*) AS n FROM platform_canary WHERE workflow_id = $1', [workflowId])).rows[0]?.n;

describe('platformCanary', () => {
  it('runs its real activity on a real worker and writes one row to PostgreSQL', async () => {
    const taskQueue = ctx.uniqueQueue('platform');
    const workflowId = `platform-canary-test-${taskQueue}`;
    const result = await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.platform }], async () => {
      const handle = await ctx.client.workflow.start('platformCanary', {
        taskQueue,
        workflowId,
        args: [{ timeZone: 'America/Santiago' }],
        typedSearchAttributes: [
          { key: PIPELINE, value: 'platform' },
          { key: TRIGGERED_BY, value: 'api' },
        ],
      });
      const value = await handle.result();
      await recordHistory(handle, 'platform-canary');
      return { value, description: await handle.describe() };
    });

    expect(result.value.recorded).toBe(true);
    const { rows } = await ctx.db.query('SELECT workflow_id, scheduled_for FROM platform_canary');
    expect(rows).toEqual([{ workflow_id: workflowId, scheduled_for: new Date(result.value.scheduledFor) }]);
    // The run is findable by the search attributes every run carries.
    const attributes = result.description.typedSearchAttributes;
    expect(attributes.get(PIPELINE)).toBe('platform');
    expect(attributes.get(PIPELINE_TARGET)).toBe('canary');
    expect(attributes.get(BUSINESS_DATE)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('cancelled while its insert waits on a lock, ends Canceled and writes nothing', async () => {
    const taskQueue = ctx.uniqueQueue('platform');
    const workflowId = `platform-canary-cancel-${taskQueue}`;
    const lock = await lockTables(ctx.db, ['platform_canary']);
    try {
      await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.platform }], async () => {
        const handle = await ctx.client.workflow.start('platformCanary', {
          taskQueue,
          workflowId,
          args: [{ timeZone: 'America/Santiago' }],
        });
        await waitForLockWaiters(ctx.db, 1);
        await handle.cancel();
        expect(await expectCanceled(handle)).toEqual({ activitiesCanceled: 1 });
        expect(await lockWaiters(ctx.db)).toEqual([]);
      });
    } finally {
      await lock.release();
    }
    await sleep(1_500); // an insert that outlived the run would land now
    expect(await countRows(workflowId)).toBe(0n);
  });

  // Dates from the clock: a literal one ages past the 7-day retention (main went red that way).
  const minutesAgo = (minutes: number) => new Date(Math.floor(Date.now() / 60_000 - minutes) * 60_000).toISOString();
  // Called as a worker calls it: inside an activity context (it heartbeats).
  const recordCanary = (input: { scheduledFor: string; workflowId: string }) =>
    new MockActivityEnvironment().run(ctx.activitiesByQueue.platform.recordCanary, input);

  it('writes nothing twice when its activity is retried', async () => {
    const input = { scheduledFor: minutesAgo(60), workflowId: 'platform-canary-retry' };
    await expect(recordCanary(input)).resolves.toEqual({ recorded: true });
    await expect(recordCanary(input)).resolves.toEqual({ recorded: false });
    expect(await countRows(input.workflowId)).toBe(1n);
  });

  it('keeps a run older than the retention out, so its retry cannot insert it again', async () => {
    const input = { scheduledFor: minutesAgo(8 * 24 * 60), workflowId: 'platform-canary-expired' };
    await expect(recordCanary(input)).resolves.toEqual({ recorded: false });
    await expect(recordCanary(input)).resolves.toEqual({ recorded: false });
    expect(await countRows(input.workflowId)).toBe(0n);
  });
});
