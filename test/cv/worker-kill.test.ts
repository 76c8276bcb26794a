import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import { hash32 } from '../../local/simulators/cv/generator';
import { recordHistory } from '../harness/histories';
import { killWorkerProcess as kill, startWorkerProcess } from '../harness/worker-process';
import { CV_DEMO_CREDENTIALS } from '../../local/simulators/cv';
import { CATEGORIES } from '../../lib/cv/categories';
import { lockTables, waitForLockWaiters } from '../fixtures/lock-waits';
import { createCvTestContext, expectedSnapshot, ingestState, storedSnapshot, type CvTestContext } from './harness';

/**
 * SIGKILL the worker at (seeded) random points of a first full load and of incremental loads
 * while new events keep arriving; after each run the store must equal the simulator's events:
 * nothing lost, nothing twice, and the watermark never ahead of what is stored.
 */
let ctx: CvTestContext;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // Slow pages so a load lasts long enough to be killed in the middle, several times.
  ctx = await createCvTestContext({ volume: 12_000, invalidRate: 0.02, faults: { slowRate: 1, slowMs: 15 } });
});
afterAll(async () => {
  for (const child of children) await kill(child);
  await ctx.close();
});

const startWorker = (taskQueue: string) =>
  startWorkerProcess(
    {
      taskQueue,
      databaseUrl: ctx.databaseUrl.reveal(),
      activities: 'cv',
      env: {
        CV_BASE_URL: ctx.cvBaseUrl,
        CV_USERNAME: CV_DEMO_CREDENTIALS.username,
        CV_PASSWORD: CV_DEMO_CREDENTIALS.password,
      },
    },
    children,
  );

const storedCount = async () =>
  Number((await ctx.db.query<{ n: bigint }>('SELECT count(*) AS n FROM cv_events')).rows[0]!.n);

/** Waits until the load has stored more than `after` events, then a random moment more. */
async function killMidLoad(worker: ChildProcess, after: number, seed: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  while ((await storedCount()) <= after) {
    if (Date.now() > deadline) throw new Error('the load made no progress');
    await sleep(50);
  }
  await sleep(hash32(seed, 1, 1) % 400);
  await kill(worker);
  return storedCount();
}

async function runWithKills(name: string, kills: number, seed: number) {
  const taskQueue = ctx.uniqueQueue('cv-kill');
  let worker = await startWorker(taskQueue);
  const handle = await ctx.client.workflow.start('cvPipeline', {
    taskQueue,
    workflowId: `cv-kill/${name}-${taskQueue}`,
    args: [{ timeZone: 'America/Santiago', pageSize: 100, heartbeatTimeout: '2 seconds' }],
  });
  const watermarks: number[] = [];
  for (let n = 0; n < kills; n++) {
    const storedAtKill = await killMidLoad(worker, await storedCount(), seed + n);
    const state = await ingestState(ctx);
    watermarks.push(state.highWatermark);
    // Killed mid-load: the segment is pending, and the watermark claims nothing of it.
    expect(state.segmentTop).not.toBeNull();
    expect(storedAtKill).toBeLessThan(expectedSnapshot(ctx.sim).validRecordIds.length);
    worker = await startWorker(taskQueue);
  }
  const result = await handle.result();
  await kill(worker);
  return { handle, result, watermarks };
}

describe('the CV ingest with its worker SIGKILLed', () => {
  it('finishes a first full load killed three times with every event stored once', async () => {
    const { result, watermarks } = await runWithKills('full', 3, 11);
    expect(watermarks).toEqual([0, 0, 0]);
    expect(result.ingest.resumed).toBe(true);
    expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));
    expect((await ingestState(ctx)).segmentTop).toBeNull();
  }, 120_000);

  it('finishes incremental loads killed twice while new events arrive', async () => {
    // Slower pages than the full load's: an incremental load is 30 pages, and the second kill must
    // still find it running after the random delay (up to 400 ms) that follows its progress.
    ctx.sim.setFaults({ slowRate: 1, slowMs: 60 });
    for (const [round, seed] of [
      [1, 21],
      [2, 31],
    ] as const) {
      const before = (await ingestState(ctx)).highWatermark;
      ctx.sim.addEvents(3_000);
      ctx.sim.setArrivals({ everyCalls: 5, count: 7 });
      const { handle, watermarks } = await runWithKills(`incremental-${round}`, 2, seed);
      if (round === 1) await recordHistory(handle, 'cv-pipeline-killed-worker');
      expect(watermarks.every((watermark) => watermark === before)).toBe(true);
      // Events that arrived during the load are taken by the next run.
      ctx.sim.setArrivals(undefined);
      const { result } = await runWithKills(`catch-up-${round}`, 0, seed);
      expect(result.ingest.mode).toBe('incremental');
      expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));
    }
    // Merged exactly once as well: no merged row without its event, none twice (primary keys).
    const { rows } = await ctx.db.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM cv_events e WHERE e.action_id = 8 AND NOT EXISTS (SELECT 1 FROM cv_merged_ott m WHERE m.record_id = e.record_id)',
    );
    expect(rows[0]!.n).toBe(0n);
  }, 180_000);

  it('retries a merge whose worker died after the heartbeat timeout, not the 30-minute timeout', async () => {
    ctx.sim.addEvents(500);
    const taskQueue = ctx.uniqueQueue('cv-kill');
    const worker = await startWorker(taskQueue);
    // The OTT merge waits on its table, so the worker dies inside the merge's transaction.
    const lock = await lockTables(ctx.db, [CATEGORIES.ott.table]);
    const handle = await ctx.client.workflow.start('cvPipeline', {
      taskQueue,
      workflowId: `cv-kill/merge-${taskQueue}`,
      args: [{ timeZone: 'America/Santiago', pageSize: 100, heartbeatTimeout: '2 seconds' }],
    });
    try {
      await waitForLockWaiters(ctx.db, 1);
      await kill(worker);
    } finally {
      await lock.release();
    }
    await startWorker(taskQueue);
    const result = await handle.result();
    const ott = result.merges.find((merge: { category: string }) => merge.category === 'ott')!;
    expect(ott.merged).toBeGreaterThan(0);
    const { events } = await handle.fetchHistory();
    const mergeAttempts = (events ?? []).flatMap((event) =>
      event.activityTaskStartedEventAttributes && event.activityTaskStartedEventAttributes.attempt! > 1 ? [event] : [],
    );
    expect(mergeAttempts.length).toBeGreaterThan(0);
    // Retried because its heartbeats stopped (the 30-minute timeout would also outlast this test's bound).
    expect(
      mergeAttempts.map(
        (event) => event.activityTaskStartedEventAttributes!.lastFailure?.timeoutFailureInfo?.timeoutType,
      ),
    ).toContain(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    // Merged once: every OTT target event has exactly its row (primary key), none missing.
    const missing = await ctx.db.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM cv_events e WHERE e.action_id = 8 AND NOT EXISTS (SELECT 1 FROM cv_merged_ott m WHERE m.record_id = e.record_id)',
    );
    expect(missing.rows[0]!.n).toBe(0n);
  });
});
