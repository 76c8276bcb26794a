import { setTimeout as sleep } from 'node:timers/promises';
import { CATEGORIES, CATEGORY_NAMES } from '../../lib/cv/categories';
import { createDatabase, type Database } from '../../lib/db';
import { lockTables, lockWaiters, waitForLockWaiters } from '../fixtures/lock-waits';
import { expectCanceled } from '../workflows/cancellation';
import { createCvTestContext, expectedSnapshot, ingestState, storedSnapshot, type CvTestContext } from './harness';

/**
 * Cancelling cvPipeline in each of its steps: the run ends Canceled, the running activity stops
 * (no more upstream calls, no statement left on the server), and what it leaves is consistent:
 * the ingest's pages are committed with their checkpoint, a merge or the rollups roll back whole.
 * The next run then completes the work, with nothing lost or stored twice.
 */
let ctx: CvTestContext;
let watcher: Database;
beforeAll(async () => {
  // Slow pages, so a load lasts long enough to be cancelled in the middle.
  ctx = await createCvTestContext({ volume: 6_000, invalidRate: 0.02, faults: { slowRate: 1, slowMs: 60 } });
  watcher = createDatabase({ url: ctx.databaseUrl, max: 3 });
});
afterAll(async () => {
  await watcher.close();
  await ctx.close();
});

const count = async (sql: string, params: unknown[] = []) =>
  Number((await ctx.db.query<{ n: bigint }>(sql, params)).rows[0]!.n);
const storedCount = () => count('SELECT count(*) AS n FROM cv_events');

async function withPipeline<T>(name: string, fn: (handle: Awaited<ReturnType<typeof start>>) => Promise<T>) {
  const taskQueue = ctx.uniqueQueue('cv-cancel');
  return ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.cv }], () =>
    start(taskQueue, `cv-cancel/${name}-${taskQueue}`).then(fn),
  );
}
const start = (taskQueue: string, workflowId: string) =>
  ctx.client.workflow.start('cvPipeline', {
    taskQueue,
    workflowId,
    args: [{ timeZone: 'America/Santiago', pageSize: 100 }],
  });
const runToCompletion = (name: string) => withPipeline(name, (handle) => handle.result());

describe('cancelling cvPipeline', () => {
  it('mid-load: the ingest stops, every committed page is in the checkpoint, and the next run completes the load', async () => {
    await withPipeline('ingest', async (handle) => {
      const deadline = Date.now() + 60_000;
      while ((await storedCount()) < 500) {
        if (Date.now() > deadline) throw new Error('the load made no progress');
        await sleep(50);
      }
      await handle.cancel();
      expect(await expectCanceled(handle)).toEqual({ activitiesCanceled: 1 });
    });
    // Stopped: no more pages fetched or stored.
    const [calls, stored] = [ctx.sim.stats.dataCalls, await storedCount()];
    await sleep(1_500);
    expect([ctx.sim.stats.dataCalls, await storedCount()]).toEqual([calls, stored]);
    expect(stored).toBeLessThan(expectedSnapshot(ctx.sim).validRecordIds.length);

    // Consistent: the watermark claims nothing of the load; the segment covers exactly what is stored.
    const state = (
      await ctx.db.query<{ high_watermark: bigint; segment_top: bigint; segment_low: bigint }>(
        'SELECT high_watermark, segment_top, segment_low FROM cv_ingest_state',
      )
    ).rows[0]!;
    expect(state.high_watermark).toBe(0n);
    const [low, top] = [Number(state.segment_low), Number(state.segment_top)];
    const expected = expectedSnapshot(ctx.sim).validRecordIds.filter((id) => id >= low && id <= top);
    expect((await storedSnapshot(ctx)).validRecordIds).toEqual(expected);

    const result = await runToCompletion('ingest-after');
    expect(result.ingest.resumed).toBe(true);
    expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));
    expect((await ingestState(ctx)).segmentTop).toBeNull();
  });

  it('mid-merge: the merge transaction rolls back, its watermark stays, and the next run merges it once', async () => {
    ctx.sim.setFaults({});
    ctx.sim.addEvents(400);
    const { table, targetActionId } = CATEGORIES[CATEGORY_NAMES[0]!];
    const watermark = () =>
      count('SELECT last_record_id AS n FROM cv_merge_watermarks WHERE category = $1', [CATEGORY_NAMES[0]]);
    const merged = () => count(`SELECT count(*) AS n FROM ${table}`);
    const [watermarkBefore, mergedBefore] = [await watermark(), await merged()];
    const lock = await lockTables(watcher, [table]);
    try {
      await withPipeline('merge', async (handle) => {
        await waitForLockWaiters(watcher, 1);
        expect(await handle.query<string>('phase')).toBe('merge');
        await handle.cancel();
        expect(await expectCanceled(handle)).toEqual({ activitiesCanceled: 1 });
        expect(await lockWaiters(watcher)).toEqual([]);
      });
    } finally {
      await lock.release();
    }
    await sleep(1_500);
    expect([await watermark(), await merged()]).toEqual([watermarkBefore, mergedBefore]);
    // The ingest before it had finished: its watermark moved.
    expect((await ingestState(ctx)).highWatermark).toBe(Math.max(...expectedSnapshot(ctx.sim).validRecordIds));

    await runToCompletion('merge-after');
    expect(await merged()).toBe(
      await count('SELECT count(*) AS n FROM cv_events WHERE action_id = $1', [targetActionId]),
    );
  });

  it('in the rollups: they roll back with the days still marked, and the next run computes them', async () => {
    ctx.sim.addEvents(400);
    const rollups = () => count('SELECT count(*) AS n FROM cv_ott_daily');
    const before = await ctx.db.query('SELECT * FROM cv_ott_daily ORDER BY 1, 2, 3');
    const lock = await lockTables(watcher, ['cv_ott_daily']);
    try {
      await withPipeline('rollups', async (handle) => {
        await waitForLockWaiters(watcher, 1);
        expect(await handle.query<string>('phase')).toBe('rollups');
        await handle.cancel();
        expect(await expectCanceled(handle)).toEqual({ activitiesCanceled: 1 });
        expect(await lockWaiters(watcher)).toEqual([]);
      });
    } finally {
      await lock.release();
    }
    await sleep(1_500);
    expect((await ctx.db.query('SELECT * FROM cv_ott_daily ORDER BY 1, 2, 3')).rows).toEqual(before.rows);
    expect(await count('SELECT count(*) AS n FROM cv_ott_dirty_days')).toBeGreaterThan(0);

    const result = await runToCompletion('rollups-after');
    expect(result.rollups.days).toBeGreaterThan(0);
    expect(await count('SELECT count(*) AS n FROM cv_ott_dirty_days')).toBe(0);
    expect(await rollups()).toBeGreaterThanOrEqual(before.rows.length);
  });
});
