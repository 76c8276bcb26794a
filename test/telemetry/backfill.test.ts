import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackfillProgress } from '../../activities/telemetry/backfill';
import type { Workflows } from '../../workflows/types';
import { PIPELINE } from '../../lib/search-attributes';
import { startTestApi, type TestApi } from '../api/api-client';
import { recordHistory } from '../harness/histories';
import { killWorkerProcess as kill } from '../harness/worker-process';
import {
  createTelemetryTestContext,
  expectedMeasurements,
  storedMeasurements,
  startTelemetryWorkerProcess,
  storedRaw,
  type TelemetryTestContext,
} from './harness';

/**
 * Loading a point's history through the backfill workflow, against the provider simulator over HTTP,
 * with the worker SIGKILLed midway: afterwards the point holds every reading the provider served once,
 * the measurements the rules give from scratch, and watermarks that did not move back.
 */
let ctx: TelemetryTestContext;
let api: TestApi;
const children: ChildProcess[] = [];
const H = 3_600_000;

beforeAll(async () => {
  ctx = await createTelemetryTestContext();
  api = await startTestApi(ctx);
}, 120_000);
afterAll(async () => {
  for (const child of children) await kill(child);
  await api?.close();
  await ctx?.close();
});

const startWorker = (taskQueue: string) => startTelemetryWorkerProcess(ctx, taskQueue, children);
const served = (point: TelemetryTestContext['points'][number], from: number, to: number) =>
  ctx.sim
    .served(point.device, from, to)
    .map((r) => `${r.variable}@${r.measuredAt}=${r.value}`)
    .sort();
const watermarks = async (code: string) =>
  (
    await ctx.db.query<{ variable: string; watermark: Date }>(
      'SELECT variable, watermark FROM telemetry_variable_state WHERE point_code = $1 ORDER BY variable',
      [code],
    )
  ).rows.map((r) => `${r.variable}@${r.watermark.toISOString()}`);

describe('backfilling a point', () => {
  it('validates the request and names the run telemetry-backfill/<code>/<from>_<to>', async () => {
    const post = (code: string, body: unknown) => api.post(`/api/v1/telemetry/points/${code}/backfill`, body);
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    expect((await post('TDATA-1', { from: iso(now), to: iso(now - H) })).status).toBe(400);
    expect((await post('TDATA-1', { from: iso(now - 93 * 24 * H), to: iso(now) })).status).toBe(400);
    expect((await post('TDATA-1', { from: '1999-12-31T00:00:00Z', to: '2000-01-02T00:00:00Z' })).status).toBe(400);
    expect((await post('TDATA-1', { from: iso(now - H), to: iso(now), extra: 1 })).status).toBe(400);
    expect((await post('NOPE-9', { from: iso(now - H), to: iso(now) })).status).toBe(404);
    const body = { from: iso(now - 2 * H), to: iso(now - H) };
    const first = await post('TDATA-1', body);
    expect(first.status).toBe(202);
    expect(first.json.workflowId).toBe(`telemetry-backfill/TDATA-1/${body.from}_${body.to}`);
    // The same request names the same run (while it runs, it is that run).
    const again = await post('TDATA-1', body);
    expect(again.json.workflowId).toBe(first.json.workflowId);
    await ctx.client.workflow.getHandle(first.json.workflowId).terminate('no worker on this queue in the test');
  });

  it('loads 12 hours through a SIGKILL: every reading once, measurements as from scratch, watermarks kept', async () => {
    const point = ctx.points.find((p) => p.code === 'TDATA-2')!; // pulses, counter resets after outages
    // The point has been polled for its last 3 hours: its watermarks and measurements exist.
    expect((await ctx.runCycle('before-backfill')).result.failed).toEqual([]);
    const marksBefore = await watermarks(point.code);
    const polled = await storedRaw(ctx, point.code);
    expect(polled.length).toBeGreaterThan(0);

    const until = Date.parse(polled[0]!.measuredAt) + H; // overlaps the polled hours
    const from = until - 12 * H;
    const taskQueue = ctx.uniqueQueue('telemetry-backfill');
    // Slow answers, so the run lasts long enough to be killed in the middle.
    ctx.sim.setFaults(point.provider, { slowRate: 1, slowMs: 150 });
    let worker = await startWorker(taskQueue);
    const handle = await ctx.client.workflow.start<Workflows['telemetryBackfillPoint']>('telemetryBackfillPoint', {
      taskQueue,
      workflowId: `telemetry-backfill-test/${point.code}/${taskQueue}`,
      args: [
        {
          code: point.code,
          from: new Date(from).toISOString(),
          to: new Date(until).toISOString(),
          timeZone: 'America/Santiago',
          chunkMinutes: 30,
          heartbeatTimeout: '2 seconds',
        },
      ],
      typedSearchAttributes: [{ key: PIPELINE, value: 'telemetry' }],
    });
    // Killed once a few chunks are in, the progress visible in the pending activity's heartbeat.
    const deadline = Date.now() + 60_000;
    let progress: BackfillProgress | undefined;
    while (!progress || progress.chunks < 4) {
      if (Date.now() > deadline) throw new Error('the backfill made no progress');
      const pending = (await handle.describe()).raw.pendingActivities?.[0];
      const payload = pending?.heartbeatDetails?.payloads?.[0]?.data;
      if (payload?.length) progress = JSON.parse(Buffer.from(payload).toString('utf8')) as BackfillProgress;
      await sleep(100);
    }
    expect(progress).toMatchObject({ of: 24 });
    await kill(worker);
    const rawAtKill = (await storedRaw(ctx, point.code)).length;
    worker = await startWorker(taskQueue);
    const result = (await handle.result()) as BackfillProgress;
    await recordHistory(handle, 'telemetry-backfill-killed-worker');
    ctx.sim.setFaults(point.provider, {});
    await kill(worker);

    const raw = await storedRaw(ctx, point.code);
    expect(rawAtKill).toBeLessThan(raw.length);
    expect(result).toMatchObject({ chunks: 24, of: 24, readings: served(point, from, until - 1).length });
    // Every reading the provider served from `from` to the newest polled one, once.
    expect(raw.map((r) => `${r.variable}@${r.measuredAt}=${r.value}`).sort()).toEqual(
      served(point, from, Date.parse(raw.at(-1)!.measuredAt)),
    );
    expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(point, raw));
    expect(await watermarks(point.code)).toEqual(marksBefore);

    // Polling goes on from the state the backfill left.
    await ctx.runCycle('after-backfill');
    expect(await storedMeasurements(ctx, point.code)).toEqual(
      expectedMeasurements(point, await storedRaw(ctx, point.code)),
    );
  }, 180_000);
});
