import { PIPELINE, PIPELINE_TARGET, BUSINESS_DATE, TRIGGERED_BY } from '../../lib/search-attributes';
import { createTestContext, type TestContext } from '../harness/context';
import { recordHistory } from '../harness/histories';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

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
    // The run is findable by the SPEC's search attributes.
    const attributes = result.description.typedSearchAttributes;
    expect(attributes.get(PIPELINE)).toBe('platform');
    expect(attributes.get(PIPELINE_TARGET)).toBe('canary');
    expect(attributes.get(BUSINESS_DATE)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  // Dates from the clock: a literal one ages past the 7-day retention (main went red that way).
  const minutesAgo = (minutes: number) => new Date(Math.floor(Date.now() / 60_000 - minutes) * 60_000).toISOString();
  const countRows = async (workflowId: string) =>
    (await ctx.db.query('SELECT count(*) AS n FROM platform_canary WHERE workflow_id = $1', [workflowId])).rows[0]?.n;

  it('writes nothing twice when its activity is retried', async () => {
    const input = { scheduledFor: minutesAgo(60), workflowId: 'platform-canary-retry' };
    await expect(ctx.activitiesByQueue.platform.recordCanary(input)).resolves.toEqual({ recorded: true });
    await expect(ctx.activitiesByQueue.platform.recordCanary(input)).resolves.toEqual({ recorded: false });
    expect(await countRows(input.workflowId)).toBe(1n);
  });

  it('keeps a run older than the retention out, so its retry cannot insert it again', async () => {
    const input = { scheduledFor: minutesAgo(8 * 24 * 60), workflowId: 'platform-canary-expired' };
    await expect(ctx.activitiesByQueue.platform.recordCanary(input)).resolves.toEqual({ recorded: false });
    await expect(ctx.activitiesByQueue.platform.recordCanary(input)).resolves.toEqual({ recorded: false });
    expect(await countRows(input.workflowId)).toBe(0n);
  });
});
