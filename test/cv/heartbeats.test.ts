import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
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

/** The running activity's heartbeat details, as `describe()` (the UI, the API) shows them. */
async function heartbeatDetails(handle: WorkflowHandle): Promise<unknown> {
  const [pending] = (await handle.describe()).raw.pendingActivities ?? [];
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

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
      let first: { pages?: number } | undefined;
      for (let deadline = Date.now() + 20_000; !first?.pages; await sleep(100)) {
        if (Date.now() > deadline) throw new Error('no progress heartbeat');
        first = (await heartbeatDetails(handle)) as typeof first;
      }
      // The SDK would hold a heartbeat back up to 0.8 × 60 s; the worker's throttle makes it 1 s.
      const seen = Date.now();
      let next = first;
      while (JSON.stringify(next) === JSON.stringify(first) && Date.now() - seen < 10_000) {
        await sleep(100);
        next = (await heartbeatDetails(handle)) as typeof first;
      }
      expect(Date.now() - seen).toBeLessThan(4_000);
      expect(next!.pages).toBeGreaterThan(first.pages!);
      await handle.cancel();
      await handle.result().catch(() => undefined);
    });
  }, 60_000);

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
  }, 90_000);
});
