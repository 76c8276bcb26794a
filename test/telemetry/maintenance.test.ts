import { createTelemetryActivities } from '../../activities/telemetry';
import { withFailureMapping } from '../../lib/errors';
import type { HealthResult } from '../../activities/telemetry/health';
import { createTelemetryTestContext, runTelemetryWorkflow, type TelemetryTestContext } from './harness';

let ctx: TelemetryTestContext;
beforeAll(async () => {
  ctx = await createTelemetryTestContext();
}, 120_000);
afterAll(() => ctx.close());

async function runWorkflow<T>(type: string, args: unknown, activities = ctx.activitiesByQueue.telemetry): Promise<T> {
  const run = await runTelemetryWorkflow<T>(ctx, {
    type,
    args: [args],
    queue: 'telemetry-maintenance',
    id: type,
    activities,
  });
  return run.result;
}
const openAlerts = async (rule: string) =>
  (
    await ctx.db.query<{ point_code: string }>(
      "SELECT point_code FROM telemetry_alerts WHERE rule = $1 AND status = 'OPEN' ORDER BY point_code",
      [rule],
    )
  ).rows.map((row) => row.point_code);

const openProviderAlerts = async () =>
  (
    await ctx.db.query<{ provider: string; point_code: string | null; count: number }>(
      "SELECT provider, point_code, count FROM telemetry_alerts WHERE rule = 'PROVIDER_DOWN' AND status = 'OPEN'",
    )
  ).rows;

describe('the telemetry health check and cleanup', () => {
  it('opens one PROVIDER_DOWN for a provider failing every call and NO_DATA for silent points, then resolves both', async () => {
    // A user following two points of the provider hears of it once.
    const user = await ctx.db.query<{ id: string }>(
      "INSERT INTO notification_users (name, email) VALUES ('Nettra watcher', 'nettra@example.test') RETURNING id::text",
    );
    await ctx.db.query(
      "INSERT INTO notification_subscriptions (user_id, subject, channels) VALUES ($1, 'NETTRA-1', '{email}'), ($1, 'NETTRA-2', '{email}')",
      [user.rows[0]!.id],
    );
    ctx.sim.setFaults('nettra', { down: true });
    for (let n = 0; n < 3; n++) await ctx.runCycle(`down-${n}`, { initialLookbackMinutes: 30 });

    const health = await runWorkflow<HealthResult>('telemetryHealthCheck', { timeZone: 'America/Santiago' });
    expect(health.providersDown).toEqual(['nettra']);
    expect(health.silentPoints).toEqual([]);
    expect(await openProviderAlerts()).toEqual([{ provider: 'nettra', point_code: null, count: 1 }]);
    // A second check counts the open alert, it does not open it again.
    await runWorkflow('telemetryHealthCheck', { timeZone: 'America/Santiago' });
    expect(await openProviderAlerts()).toEqual([{ provider: 'nettra', point_code: null, count: 2 }]);
    const outbox = await ctx.db.query(
      `SELECT o.about FROM notification_outbox o JOIN telemetry_alerts a ON o.about = 'telemetry-alert:' || a.id || ':opened'
        WHERE a.rule = 'PROVIDER_DOWN' AND o.user_id = $1`,
      [user.rows[0]!.id],
    );
    expect(outbox.rows).toHaveLength(1);

    // Ten minutes later without polling, every 1-minute point is silent (3 periods).
    const later = withFailureMapping(
      createTelemetryActivities({ config: ctx.config, db: ctx.db, now: () => new Date(Date.now() + 10 * 60_000) }),
    );
    const silent = await runWorkflow<HealthResult>('telemetryHealthCheck', { timeZone: 'America/Santiago' }, later);
    expect(silent.silentPoints).toHaveLength(ctx.points.length);
    expect(await openAlerts('NO_DATA')).toHaveLength(ctx.points.length);

    ctx.sim.setFaults('nettra', {});
    expect((await ctx.runCycle('recovered', { initialLookbackMinutes: 30 })).result.failed).toEqual([]);
    const recovered = await runWorkflow<HealthResult>('telemetryHealthCheck', { timeZone: 'America/Santiago' });
    expect(recovered).toMatchObject({ providersDown: [], silentPoints: [] });
    expect(await openProviderAlerts()).toEqual([]);
    expect(await openAlerts('NO_DATA')).toEqual([]);
  });

  it('deletes raw readings older than the retention and keeps the measurements', async () => {
    const count = async (table: string, where = 'true', params: unknown[] = []) =>
      Number(
        (await ctx.db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params)).rows[0]!.n,
      );
    const measurements = await count('telemetry_measurements');
    // The cleanup's cutoff is its start minus the retention; counted against a time taken before it
    // starts, so a slow machine (minutes between start and check) cannot move readings across the line.
    const before = new Date();
    const olderThanRetention = "measured_at < $1::timestamptz - interval '10 minutes'";
    const old = await count('telemetry_raw_readings', olderThanRetention, [before]);
    expect(old).toBeGreaterThan(0);
    // A retention of ten minutes (the real one is 30 days): only the newest readings stay.
    const { deleted } = await runWorkflow<{ deleted: number }>('telemetryCleanup', {
      timeZone: 'America/Santiago',
      retentionDays: 10 / 1440,
    });
    expect(deleted).toBeGreaterThanOrEqual(old);
    expect(await count('telemetry_raw_readings', olderThanRetention, [before])).toBe(0);
    expect(await count('telemetry_measurements')).toBe(measurements);
  });
});
