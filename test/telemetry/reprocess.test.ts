import type { ReprocessResult } from '../../activities/telemetry/reprocess';
import { startTestApi, type TestApi } from '../api/api-client';
import {
  createTelemetryTestContext,
  expectedMeasurements,
  runTelemetryWorkflow,
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
  const run = await runTelemetryWorkflow<ReprocessResult>(ctx, {
    type: 'telemetryReprocessPoint',
    args: [{ code, from, to, timeZone: 'America/Santiago' }],
    queue: 'telemetry-reprocess',
    id: `telemetry-reprocess-test/${code}`,
    record,
  });
  return run.result;
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

  it('repairs totals the old jump guard left too low after a spike, and polling goes on from the repair', async () => {
    expect((await ctx.runCycle('before-repair')).result.failed).toEqual([]);
    const point = ctx.points.find((p) => p.code === 'TWIN-1')!;
    const raw = await storedRaw(ctx, point.code);
    const totals = raw.filter((r) => r.variable === 'total');
    // As the old rule left them: from a spike on, every total 5.5 m³ short, and the live state's offset too.
    const spikeAt = totals[Math.floor(totals.length / 3)]!.measuredAt;
    await ctx.db.query(
      `UPDATE telemetry_measurements SET value_numeric = value_numeric - 5.5
        WHERE point_code = $1 AND variable = 'total' AND measured_at >= $2 AND value_numeric IS NOT NULL`,
      [point.code, spikeAt],
    );
    await ctx.db.query(
      `UPDATE telemetry_point_state SET state = jsonb_set(jsonb_set(state, '{total,offset}', to_jsonb((state->'total'->>'offset')::float8 - 5.5)),
              '{total,lastTotal}', to_jsonb((state->'total'->>'lastTotal')::float8 - 5.5)) WHERE point_code = $1`,
      [point.code],
    );
    expect(await storedMeasurements(ctx, point.code)).not.toEqual(expectedMeasurements(point, raw));

    // docs/telemetry.md, "after upgrading": every raw reading kept, to an hour ahead.
    const result = await reprocess(point.code, raw[0]!.measuredAt, new Date(Date.now() + 3_600_000).toISOString());
    expect(result.stateUpdated).toBe(true);
    expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(point, raw));
    await ctx.runCycle('after-repair');
    expect(await storedMeasurements(ctx, point.code)).toEqual(
      expectedMeasurements(point, await storedRaw(ctx, point.code)),
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
