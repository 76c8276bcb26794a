import { createCvActivities } from '../../activities/cv';
import { withFailureMapping } from '../../lib/errors';
import { Secret } from '../../lib/secret';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { recordHistory } from '../harness/histories';
import { createCvTestContext, expectedSnapshot, storedSnapshot, type CvTestContext } from './harness';

/**
 * The contract's upstream faults, each seeded in the simulator: the pipeline must end with the
 * stored events equal to the simulator's valid events and the rejects equal to its invalid ones.
 */
let ctx: CvTestContext;
beforeAll(async () => {
  ctx = await createCvTestContext({ volume: 3_000, invalidRate: 0.03, seed: 99 });
});
afterAll(() => ctx.close());

async function run(name: string, activities = ctx.activitiesByQueue.cv) {
  const taskQueue = ctx.uniqueQueue('cv-faults');
  return ctx.withWorkers([{ taskQueue, activities }], async () => {
    const handle = await ctx.client.workflow.start('cvPipeline', {
      taskQueue,
      workflowId: `cv-faults/${name}-${taskQueue}`,
      args: [{ timeZone: 'America/Santiago', pageSize: 100 }],
    });
    return { handle, result: await handle.result() };
  });
}

describe('the CV pipeline under upstream faults', () => {
  it('refuses bad credentials at once, as a non-retryable BadCredentials failure', async () => {
    const config = { ...ctx.config, cv: { ...ctx.config.cv, password: new Secret('not-the-password') } };
    const activities = withFailureMapping(createCvActivities({ config, db: ctx.db }));
    const failure = await run('bad-credentials', activities).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause?.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('BadCredentials');
    expect(JSON.stringify(failure)).not.toContain('not-the-password');
    expect((await storedSnapshot(ctx)).validRecordIds).toEqual([]);
  });

  it('stores exactly the valid events through 429s, 5xx, slow and malformed pages, token expiry and arrivals', async () => {
    ctx.sim.setFaults({
      throttleRate: 0.1,
      retryAfterSeconds: 1,
      errorRate: 0.15,
      malformedBodyRate: 0.1,
      slowRate: 0.1,
      slowMs: 300,
      expireTokenEveryCalls: 7,
    });
    ctx.sim.setArrivals({ everyCalls: 4, count: 9 });
    const first = await run('faults');
    await recordHistory(first.handle, 'cv-pipeline-upstream-faults');
    const stats = { ...ctx.sim.stats };
    // The faults really happened (otherwise this test proves nothing).
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.errors).toBeGreaterThan(0);
    expect(stats.malformedBodies).toBeGreaterThan(0);
    expect(stats.expiredTokens).toBeGreaterThan(0);
    expect(stats.logins).toBeGreaterThan(1);
    expect(stats.total).toBeGreaterThan(3_000);

    // Events that arrived during the load belong to the next one; then all is there, once.
    ctx.sim.setArrivals(undefined);
    await run('faults-catch-up');
    expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));
    const served = ctx.sim.served();
    expect([...served.validRecordIds].sort((a, b) => a - b)).toEqual(expectedSnapshot(ctx.sim).validRecordIds);
    const rejects = await ctx.db.query<{ reason: string }>(
      "SELECT DISTINCT split_part(reason, ':', 1) AS reason FROM cv_rejects",
    );
    expect(rejects.rows.map((row) => row.reason).sort()).toEqual(
      ['actionId', 'dataId', 'duration', 'event', 'recordId', 'timestamp'].sort(),
    );
  }, 120_000);
});
