import { TELEMETRY_REPROCESS_WORKFLOW_TYPE } from '../../api/telemetry/reprocess';
import type { ReprocessResult } from '../../activities/telemetry/reprocess';
import { startTestApi, type TestApi } from '../api/api-client';
import { recordHistory } from '../harness/histories';
import {
  createTelemetryTestContext,
  expectedMeasurements,
  storedMeasurements,
  storedRaw,
  type TelemetryTestContext,
} from './harness';

let ctx: TelemetryTestContext;
let api: TestApi;
beforeAll(async () => {
  ctx = await createTelemetryTestContext();
  api = await startTestApi(ctx);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

async function reprocess(code: string, from: string, to: string, record?: string): Promise<ReprocessResult> {
  const taskQueue = ctx.uniqueQueue('telemetry-reprocess');
  return ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.telemetry }], async () => {
    const handle = await ctx.client.workflow.start(TELEMETRY_REPROCESS_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `telemetry-reprocess-test/${code}-${taskQueue}`,
      args: [{ code, from, to, timeZone: 'America/Santiago' }],
    });
    const result = (await handle.result()) as ReprocessResult;
    if (record) await recordHistory(handle, record);
    return result;
  });
}

describe('reprocessing a point after a constant change', () => {
  it('gives the same measurements as processing from scratch with the new constant', async () => {
    expect((await ctx.runCycle('before-fix')).result.failed).toEqual([]);
    const point = ctx.points.find((p) => p.code === 'TDATA-2')!; // pulses, counter resets after outages
    const before = await storedMeasurements(ctx, point.code);
    // The operator fixes the pulse constant (10 → 20 pulses per litre).
    const fixed = {
      ...point,
      overrides: { ...point.overrides, variables: { total: { pulse: { pulsesPerLitre: 20 } } } },
    };
    const patched = await api.request('PATCH', `/api/v1/telemetry/points/${point.code}`, {
      body: { overrides: fixed.overrides },
    });
    expect(patched.status).toBe(200);

    const raw = await storedRaw(ctx, point.code);
    const from = raw[0]!.measuredAt;
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const result = await reprocess(point.code, from, to, 'telemetry-reprocess');
    expect(result).toMatchObject({ replaced: before.length, computed: before.length, stateUpdated: true });
    const after = await storedMeasurements(ctx, point.code);
    expect(after).toEqual(expectedMeasurements(fixed, raw));
    expect(after.find((m) => m.variable === 'total')!.value).toBeCloseTo(
      before.find((m) => m.variable === 'total')!.value! / 2,
      6,
    );
    expect(new Set(after.map((m) => m.version))).toEqual(new Set([result.configVersion]));

    // A range starting in the middle starts from the state the rules reach just before it.
    const middle = raw[Math.floor(raw.length / 2)]!.measuredAt;
    const again = await reprocess(point.code, middle, to);
    expect(again.replaced).toBeGreaterThan(0);
    expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(fixed, raw));

    // Polling goes on from the new state: the next cycle's measurements follow the fixed constant.
    await ctx.runCycle('after-fix');
    expect(await storedMeasurements(ctx, point.code)).toEqual(
      expectedMeasurements(fixed, await storedRaw(ctx, point.code)),
    );
  });

  it('validates the request: a range, not before 2000, at most 366 days; an unknown point is 404', async () => {
    const post = (code: string, body: unknown) => api.post(`/api/v1/telemetry/points/${code}/reprocess`, body);
    expect((await post('TDATA-1', { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })).status).toBe(400);
    expect((await post('TDATA-1', { from: '1999-12-31T00:00:00Z', to: '2000-01-02T00:00:00Z' })).status).toBe(400);
    expect((await post('TDATA-1', { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).status).toBe(400);
    expect((await post('TDATA-1', { from: 'yesterday', to: '2026-01-01T00:00:00Z' })).status).toBe(400);
    expect((await post('NOPE-9', { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' })).status).toBe(404);
  });
});
