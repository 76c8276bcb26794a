import { NOVUS_SENTINEL, PROVIDERS } from '../../lib/telemetry/providers';
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
    for (const point of holed) ctx.sim.holdReadings(point.device, hole.fromMs, hole.toMs);

    expect((await ctx.runCycle('late-before')).result.failed).toEqual([]);
    for (const point of holed) {
      const raw = await storedRaw(ctx, point.code);
      const inHole = raw.filter(
        (r) => Date.parse(r.measuredAt) >= hole.fromMs && Date.parse(r.measuredAt) <= hole.toMs,
      );
      expect(inHole).toEqual([]);
      // Readings newer than the hole were processed: the hole's readings will be older than the watermark.
      expect(Date.parse(raw.at(-1)!.measuredAt)).toBeGreaterThan(hole.toMs);
    }

    for (const point of holed) ctx.sim.releaseReadings(point.device);
    const late = await ctx.runCycle('late-after');
    expect(late.result.failed).toEqual([]);
    const heldCount = holed
      .map((point) => readingsServed(point, hole.fromMs, hole.toMs).length)
      .reduce((a, b) => a + b, 0);
    expect(heldCount).toBeGreaterThan(0);
    expect(late.result.readings).toBeGreaterThanOrEqual(heldCount);

    for (const point of ctx.points) {
      const raw = await storedRaw(ctx, point.code);
      const first = Date.parse(raw[0]!.measuredAt);
      const last = Date.parse(raw.at(-1)!.measuredAt);
      const served = readingsServed(point, first, last).map(wire).sort();
      // Every reading the provider now has, the hole included, stored exactly once.
      expect(raw.map(wire).sort()).toEqual(served);
      expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(point, raw));
    }
    const oneOpen = await ctx.db.query(
      "SELECT 1 FROM telemetry_alerts WHERE status = 'OPEN' GROUP BY point_code, variable, rule HAVING count(*) > 1",
    );
    expect(oneOpen.rows).toEqual([]);
  });
});
