import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { createCvTestContext, expectedSnapshot, storedSnapshot, type CvTestContext } from './harness';

/**
 * What an operator sees of a running ingest (its heartbeat details) is at most a few seconds old,
 * and a `Retry-After` longer than the heartbeat timeout is waited out heartbeating, not timed out.
 */
const contexts: CvTestContext[] = [];
afterAll(async () => {
  for (const ctx of contexts) await ctx.close();
});

async function context(...args: Parameters<typeof createCvTestContext>) {
  const ctx = await createCvTestContext(...args);
  contexts.push(ctx);
  return ctx;
}

/** The running activity's heartbeat, as `describe()` (the UI, the API) shows it: details and the server's receipt time. */
async function heartbeat(handle: WorkflowHandle): Promise<{ details: unknown; at?: number }> {
  const [pending] = (await handle.describe()).raw.pendingActivities ?? [];
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  return {
    details: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
    at: optionalTsToMs(pending?.lastHeartbeatTime),
  };
}
const heartbeatDetails = async (handle: WorkflowHandle) => (await heartbeat(handle)).details;

function start(ctx: CvTestContext, taskQueue: string, args: Record<string, unknown>) {
  return ctx.client.workflow.start('cvPipeline', {
    taskQueue,
    workflowId: `cv-heartbeats/${taskQueue}`,
    args: [{ timeZone: 'America/Santiago', pageSize: 100, ...args }],
  });
}

describe('ingest heartbeats', () => {
  it('show progress that changes within a few seconds, with the default heartbeat timeout', async () => {
    // ~120 pages of 100 ms: a load of more than ten seconds.
    const ctx = await context({ volume: 12_000, faults: { slowRate: 1, slowMs: 100 } });
    const taskQueue = ctx.uniqueQueue('cv-heartbeats');
    await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.cv }], async () => {
      const handle = await start(ctx, taskQueue, {});
      type Progress = { details?: { pages?: number }; at?: number };
      let first: Progress = {};
      for (let deadline = Date.now() + 60_000; !first.details?.pages; await sleep(100)) {
        if (Date.now() > deadline) throw new Error('no progress heartbeat');
        first = (await heartbeat(handle)) as Progress;
      }
      // The SDK would hold a heartbeat back up to 0.8 × 60 s; the worker's throttle makes it 1 s. Timed
      // by the server's receipts of the two heartbeats, so how slowly this test polls does not count.
      let next = first;
      for (let deadline = Date.now() + 60_000; next.details?.pages === first.details.pages; await sleep(100)) {
        if (Date.now() > deadline) throw new Error('the progress heartbeat never changed');
        next = (await heartbeat(handle)) as Progress;
      }
      expect(next.details?.pages).toBeGreaterThan(first.details.pages);
      expect(next.at! - first.at!).toBeLessThan(10_000);
      await handle.cancel();
      await handle.result().catch(() => undefined);
    });
  });

  it('wait out a Retry-After longer than the heartbeat timeout without timing out', async () => {
    const ctx = await context({ volume: 1_200, seed: 5, faults: { throttleRate: 0.25, retryAfterSeconds: 5 } });
    const taskQueue = ctx.uniqueQueue('cv-heartbeats');
    await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.cv }], async () => {
      const started = Date.now();
      const handle = await start(ctx, taskQueue, { heartbeatTimeout: '2 seconds', pageSize: 200 });
      const shown: unknown[] = [];
      const done = handle.result();
      let finished = false;
      void done.finally(() => (finished = true));
      while (!finished) {
        shown.push(await heartbeatDetails(handle));
        await sleep(250);
      }
      const result = await done;
      const throttled = ctx.sim.stats.throttled;
      expect(throttled).toBeGreaterThan(0);
      // Each Retry-After was honoured in full (5 s, more than twice the heartbeat timeout) ...
      expect(Date.now() - started).toBeGreaterThanOrEqual(throttled * 5_000);
      // ... heartbeating (the operator sees it waiting, with its progress), on its first attempt.
      expect(shown).toContainEqual(expect.objectContaining({ waiting: 'throttled (429)' }));
      const { events } = await handle.fetchHistory();
      expect((events ?? []).filter((event) => event.activityTaskTimedOutEventAttributes)).toEqual([]);
      const attempts = (events ?? []).flatMap((event) => event.activityTaskStartedEventAttributes?.attempt ?? []);
      expect(attempts.every((attempt) => attempt === 1)).toBe(true);
      expect(result.ingest.mode).toBe('full');
      expect(await storedSnapshot(ctx)).toEqual(expectedSnapshot(ctx.sim));
    });
  });
});
