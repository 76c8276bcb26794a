import { NOVUS_SENTINEL, PROVIDERS } from '../../lib/telemetry/providers';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { FAILED_STEPS } from '../../lib/search-attributes';
import {
  createTelemetryTestContext,
  expectedMeasurements,
  storedMeasurements,
  storedRaw,
  withTelemetryWorker,
  type TelemetryTestContext,
} from './harness';

let ctx: TelemetryTestContext;
beforeAll(async () => {
  ctx = await createTelemetryTestContext();
}, 120_000);
afterAll(() => ctx.close());

const count = async (table: string) =>
  Number((await ctx.db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

describe('telemetryPollCycle over the six provider simulators', () => {
  it('stores every reading once and the measurements the rules give; a repeated cycle stores nothing twice', async () => {
    const { workflowId, result } = await ctx.runCycle('first', { batchSize: 4 }, 'telemetry-cycle');
    // Credentials never reach the history: the activities resolve the points' references.
    const history = historyToJSON(await ctx.client.workflow.getHandle(workflowId).fetchHistory());
    const payloads = [...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)]
      .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
      .join('\n');
    expect(payloads).toContain('TWIN-1');
    expect(payloads).not.toMatch(/demo-password|-token-\d/);
    expect(result.failed).toEqual([]);
    expect(result.points).toBe(ctx.points.length);
    expect(Object.keys(result.byProvider).sort()).toEqual([...PROVIDERS].sort());

    for (const point of ctx.points) {
      const raw = await storedRaw(ctx, point.code);
      expect(raw.length).toBeGreaterThan(100);
      // Raw readings: exactly what the simulator served in the stored span, minus the sentinels.
      const first = Date.parse(raw[0]!.measuredAt);
      const last = Date.parse(raw.at(-1)!.measuredAt);
      const served = ctx.sim
        .served(point.device, first, last)
        .filter((r) => r.value !== NOVUS_SENTINEL && !(point.provider === 'tago' && r.value < 0))
        .map((r) => `${r.variable}@${r.measuredAt}=${r.value}`)
        .sort();
      expect(raw.map((r) => `${r.variable}@${r.measuredAt}=${r.value}`).sort()).toEqual(served);
      expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(point, raw));
    }
    // The rules saw the meters' faults.
    const flags = await ctx.db.query<{ flag: string }>(
      'SELECT DISTINCT unnest(flags) AS flag FROM telemetry_measurements ORDER BY 1',
    );
    expect(flags.rows.map((r) => r.flag)).toEqual(
      expect.arrayContaining([
        'JUMP_BLOCKED',
        'LEVEL_HIGH',
        'LEVEL_MAX_RESET',
        'OUT_OF_RANGE',
        'TOTAL_INGESTION_ERROR',
        'TOTAL_ROLLOVER',
        'UNIT_CONVERTED',
      ]),
    );
    const alerts = await ctx.db.query<{ rule: string; n: bigint }>(
      "SELECT rule, count(*) AS n FROM telemetry_alerts WHERE status = 'OPEN' OR status = 'RESOLVED' GROUP BY rule",
    );
    expect(alerts.rows.map((r) => r.rule)).toEqual(expect.arrayContaining(['FLOW_TOTAL_CONSISTENCY', 'LEVEL_HIGH']));
    const oneOpen = await ctx.db.query<{ n: bigint }>(
      "SELECT count(*) AS n FROM telemetry_alerts WHERE status = 'OPEN' GROUP BY point_code, variable, rule HAVING count(*) > 1",
    );
    expect(oneOpen.rows).toEqual([]);

    const measurements = await count('telemetry_measurements');
    const rawCount = await count('telemetry_raw_readings');
    const again = await ctx.runCycle('again');
    expect(again.result.failed).toEqual([]);
    // Only what arrived since (a minute or two of readings per point), nothing already stored.
    expect(again.result.readings).toBeLessThanOrEqual(ctx.points.length * 3 * 3);
    expect(await count('telemetry_raw_readings')).toBe(rawCount + again.result.readings);
    expect(await count('telemetry_measurements')).toBeGreaterThanOrEqual(measurements);
    for (const point of ctx.points.slice(0, 6))
      expect(await storedMeasurements(ctx, point.code)).toEqual(
        expectedMeasurements(point, await storedRaw(ctx, point.code)),
      );
  });

  it('isolates a provider that is down and a point with bad credentials: every other point completes', async () => {
    ctx.sim.setFaults('nettra', { down: true });
    // One point's device token is wrong; the other points of its provider keep theirs.
    ctx.writeCredentials({
      'thingsio-device-1': { baseUrl: `${ctx.simServer.url}/providers/thingsio`, token: 'wrong' },
    });
    try {
      const refusedBefore = ctx.sim.stats.nettra.errors;
      const { workflowId, result } = await ctx.runCycle('isolation', {}, 'telemetry-cycle-isolation');
      const failedCodes = result.failed.map((f) => f.code);
      const expectedFailed = ctx.points
        .filter((p) => p.provider === 'nettra' || p.code === 'THINGSIO-1')
        .map((p) => p.code);
      expect(failedCodes.sort()).toEqual(expectedFailed.sort());
      expect(
        result.failed.filter((f) => f.provider === 'thingsio').every((f) => f.errorType === 'BadCredentials'),
      ).toBe(true);
      expect(
        result.failed.filter((f) => f.provider === 'nettra').every((f) => f.errorType === 'ProviderTransientError'),
      ).toBe(true);
      expect(result.succeeded).toBe(ctx.points.length - expectedFailed.length);
      // The down provider was given up on, not waited for: each of its points tried, at most the HTTP
      // client's 4 attempts of its first call, and not polled again by the cycle.
      const nettraPoints = ctx.points.filter((p) => p.provider === 'nettra').length;
      const refused = ctx.sim.stats.nettra.errors - refusedBefore;
      expect(refused).toBeGreaterThanOrEqual(nettraPoints);
      expect(refused).toBeLessThanOrEqual(nettraPoints * 4);
      const description = await ctx.client.workflow.getHandle(workflowId).describe();
      expect(description.typedSearchAttributes.get(FAILED_STEPS)).toContain('NETTRA-1');
    } finally {
      ctx.sim.setFaults('nettra', {});
      ctx.writeCredentials();
    }
  });

  it('ends Canceled when an operator cancels it mid-cycle', async () => {
    for (const provider of PROVIDERS) ctx.sim.setFaults(provider, { slowRate: 1, slowMs: 300 });
    try {
      await withTelemetryWorker(ctx, 'telemetry', async (taskQueue) => {
        const handle = await ctx.client.workflow.start('telemetryPollCycle', {
          taskQueue,
          workflowId: `telemetry-test/cancel-${taskQueue}`,
          args: [{ frequency: 1, timeZone: 'America/Santiago', heartbeatTimeout: '2 seconds' }],
        });
        await sleep(1_500);
        await handle.cancel();
        await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
        expect((await handle.describe()).status.name).toBe('CANCELLED');
      });
    } finally {
      for (const provider of PROVIDERS) ctx.sim.setFaults(provider, {});
    }
  });
});
