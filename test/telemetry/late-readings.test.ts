import { NOVUS_SENTINEL, PROVIDERS } from '../../lib/telemetry/providers';
import type { RawReading } from '../../lib/telemetry/rules';
import type { DemoPoint } from '../../local/demo-data/telemetry';
import {
  createTelemetryTestContext,
  expectedMeasurements,
  storedMeasurements,
  storedRaw,
  type TelemetryTestContext,
} from './harness';

let ctx: TelemetryTestContext;
beforeAll(async () => {
  ctx = await createTelemetryTestContext();
}, 120_000);
afterAll(() => ctx.close());

const MINUTE = 60_000;
/** What the provider serves for a point in [fromMs, toMs], as readings (its status codes are not). */
const readingsServed = (point: DemoPoint, fromMs: number, toMs: number) =>
  ctx.sim
    .served(point.device, fromMs, toMs)
    .filter((r) => r.value !== NOVUS_SENTINEL && !(point.provider === 'tago' && r.value < 0));
const wire = (r: { variable: string; measuredAt: string; value: number }) => `${r.variable}@${r.measuredAt}=${r.value}`;

describe('late readings (a device that buffered through a disconnection uploads after newer readings)', () => {
  it('are stored by the next cycle, once, and the measurements equal processing every reading from scratch', async () => {
    // One point per provider, each of another meter profile, so every protocol and rule path sees a hole.
    const holed = PROVIDERS.map((provider, i) =>
      ctx.points.find((p) => p.provider === provider && p.device.index === i)!,
    );
    expect(new Set(holed.map((p) => p.device.profile)).size).toBe(6);
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const hole = { fromMs: now - 50 * MINUTE, toMs: now - 20 * MINUTE };
    const holds = (after: boolean) => {
      for (const point of holed) {
        ctx.sim.releaseReadings(point.device);
        ctx.sim.holdReadings(point.device, hole.fromMs, hole.toMs);
        if (after) ctx.sim.holdReadings(point.device, hole.toMs + 1, now + 3_600_000);
      }
    };
    const inHole = (r: { measuredAt: string }) =>
      Date.parse(r.measuredAt) >= hole.fromMs && Date.parse(r.measuredAt) <= hole.toMs;

    // First the readings before the disconnection (and a state checkpoint at its start), then the
    // ones after it arrive while the buffered ones are still missing.
    holds(true);
    expect((await ctx.runCycle('late-before', { initialLookbackMinutes: 300 })).result.failed).toEqual([]);
    holds(false);
    expect((await ctx.runCycle('late-live')).result.failed).toEqual([]);
    for (const point of holed) {
      const raw = await storedRaw(ctx, point.code);
      expect(raw.filter(inHole)).toEqual([]);
      // Readings newer than the hole were processed: the hole's readings will be older than the watermark.
      expect(Date.parse(raw.at(-1)!.measuredAt)).toBeGreaterThan(hole.toMs);
    }
    const checkpoints = await ctx.db.query<{ at: string }>(
      'SELECT c->>$2 AS at FROM telemetry_point_state, jsonb_array_elements(checkpoints) c WHERE point_code = $1',
      [holed[0]!.code, 'at'],
    );
    expect(checkpoints.rows.map((r) => Date.parse(r.at))).toEqual([hole.fromMs - MINUTE]);
    // What the cleanup (or a retention policy) drops, brought near: the raw readings older than the
    // overlap the next poll re-reads (120 minutes). The recomputation must start from the checkpoint
    // at the hole's start, not from an empty state after the readings dropped.
    const all = new Map<string, RawReading[]>();
    for (const point of holed) all.set(point.code, await storedRaw(ctx, point.code));
    await ctx.db.query('DELETE FROM telemetry_raw_readings WHERE point_code = ANY($1) AND measured_at < $2', [
      holed.map((p) => p.code),
      new Date(now - 125 * MINUTE),
    ]);

    for (const point of holed) ctx.sim.releaseReadings(point.device);
    const late = await ctx.runCycle('late-after');
    expect(late.result.failed).toEqual([]);
    const heldCount = holed
      .map((point) => readingsServed(point, hole.fromMs, hole.toMs).length)
      .reduce((a, b) => a + b, 0);
    expect(heldCount).toBeGreaterThan(0);
    expect(late.result.readings).toBeGreaterThanOrEqual(heldCount);

    for (const point of holed) {
      const kept = await storedRaw(ctx, point.code);
      const raw = [...all.get(point.code)!.filter((r) => r.measuredAt < kept[0]!.measuredAt), ...kept];
      const served = readingsServed(point, Date.parse(raw[0]!.measuredAt), Date.parse(raw.at(-1)!.measuredAt));
      // Every reading the provider now has, the hole included, stored exactly once.
      expect(raw.map(wire).sort()).toEqual(served.map(wire).sort());
      expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(point, raw));
    }
    for (const point of ctx.points.filter((p) => !holed.includes(p))) {
      const raw = await storedRaw(ctx, point.code);
      const first = Date.parse(raw[0]!.measuredAt);
      const last = Date.parse(raw.at(-1)!.measuredAt);
      const served = readingsServed(point, first, last).map(wire).sort();
      // The points without a hole: re-reading the overlap stored nothing twice.
      expect(raw.map(wire).sort()).toEqual(served);
      expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(point, raw));
    }
    const oneOpen = await ctx.db.query(
      "SELECT 1 FROM telemetry_alerts WHERE status = 'OPEN' GROUP BY point_code, variable, rule HAVING count(*) > 1",
    );
    expect(oneOpen.rows).toEqual([]);
  });
});
