import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { NOVUS_SENTINEL, PROVIDERS } from '../../lib/telemetry/providers';
import { PIPELINE } from '../../lib/search-attributes';
import { recordHistory } from '../harness/histories';
import { killWorkerProcess as kill } from '../harness/worker-process';
import type { TelemetryCycleResult } from '../../workflows/telemetry/cycle';
import {
  createTelemetryTestContext,
  expectedMeasurements,
  storedMeasurements,
  startTelemetryWorkerProcess,
  storedRaw,
  type TelemetryTestContext,
} from './harness';

/**
 * SIGKILL the worker in the middle of a cycle (points half stored, a transaction in flight): the
 * batch is retried on a new worker after its heartbeat timeout, and afterwards every point holds
 * each reading once, with no gap behind its watermark, and the measurements the rules give.
 */
let ctx: TelemetryTestContext;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ctx = await createTelemetryTestContext();
  // Slow answers, so the cycle lasts long enough to be killed in the middle.
  for (const provider of PROVIDERS) ctx.sim.setFaults(provider, { slowRate: 1, slowMs: 120 });
}, 120_000);
afterAll(async () => {
  for (const child of children) await kill(child);
  await ctx.close();
});

const startWorker = (taskQueue: string) => startTelemetryWorkerProcess(ctx, taskQueue, children);
const pointsStored = async () =>
  Number(
    (await ctx.db.query<{ n: bigint }>('SELECT count(DISTINCT point_code) AS n FROM telemetry_measurements')).rows[0]!
      .n,
  );

describe('a telemetry cycle with its worker SIGKILLed', () => {
  it('completes with every reading stored once and no watermark past a missing reading', async () => {
    const taskQueue = ctx.uniqueQueue('telemetry-kill');
    let worker = await startWorker(taskQueue);
    const handle = await ctx.client.workflow.start('telemetryPollCycle', {
      taskQueue,
      workflowId: `telemetry-kill/${taskQueue}`,
      args: [
        {
          frequency: 1,
          timeZone: 'America/Santiago',
          initialLookbackMinutes: 180,
          batchSize: 3,
          providerConcurrency: 1,
          pointConcurrency: 1,
          // A batch heartbeats after each point, which on a loaded machine can take more than 2 s: a
          // shorter timeout fails live attempts too, and a batch has only 3. A kill costs 10 s each.
          heartbeatTimeout: '10 seconds',
        },
      ],
      typedSearchAttributes: [{ key: PIPELINE, value: 'telemetry' }],
    });
    for (const threshold of [2, 10]) {
      const deadline = Date.now() + 60_000;
      while ((await pointsStored()) < threshold) {
        if (Date.now() > deadline) throw new Error('the cycle made no progress');
        await sleep(50);
      }
      await kill(worker);
      expect(await pointsStored()).toBeLessThan(ctx.points.length);
      worker = await startWorker(taskQueue);
    }
    const result = (await handle.result()) as TelemetryCycleResult;
    await recordHistory(handle, 'telemetry-cycle-killed-worker');
    await kill(worker);
    expect(result.failed).toEqual([]);

    for (const point of ctx.points) {
      const raw = await storedRaw(ctx, point.code);
      const served = ctx.sim
        .served(point.device, Date.parse(raw[0]!.measuredAt), Date.parse(raw.at(-1)!.measuredAt))
        .filter((r) => r.value !== NOVUS_SENTINEL && !(point.provider === 'tago' && r.value < 0))
        .map((r) => `${r.variable}@${r.measuredAt}=${r.value}`)
        .sort();
      expect(raw.map((r) => `${r.variable}@${r.measuredAt}=${r.value}`).sort()).toEqual(served);
      expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(point, raw));
      // Each watermark is the newest stored reading of its variable: nothing skipped, nothing ahead.
      const marks = await ctx.db.query<{ variable: string; watermark: Date; newest: Date }>(
        `SELECT s.variable, s.watermark, max(r.measured_at) AS newest FROM telemetry_variable_state s
           JOIN telemetry_raw_readings r ON r.point_code = s.point_code AND r.variable = s.variable
          WHERE s.point_code = $1 GROUP BY s.variable, s.watermark`,
        [point.code],
      );
      expect(marks.rows).toHaveLength(3);
      for (const row of marks.rows) expect(row.watermark.toISOString()).toBe(row.newest.toISOString());
    }
  }, 180_000);
});
