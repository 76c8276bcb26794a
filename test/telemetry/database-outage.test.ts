import { VARIABLES } from '../../lib/telemetry/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTelemetryActivities } from '../../activities/telemetry';
import { createDatabase, type Database } from '../../lib/db';
import { withFailureMapping } from '../../lib/errors';
import { Secret } from '../../lib/secret';
import { NOVUS_SENTINEL, PROVIDERS } from '../../lib/telemetry/providers';
import type { TelemetryCycleResult } from '../../workflows/telemetry/cycle';
import { startFaultyProxy, type FaultyProxy } from '../harness/tcp-proxy';
import {
  createTelemetryTestContext,
  expectedMeasurements,
  storedMeasurements,
  storedRaw,
  type TelemetryTestContext,
} from './harness';

/**
 * PostgreSQL cut off in the middle of a cycle: the points caught by the outage fail (their
 * transaction never commits), the others complete, and the next cycle polls the failed ones from
 * their watermarks: every reading stored once, no gap behind a watermark.
 */
let ctx: TelemetryTestContext;
let proxy: FaultyProxy;
let proxiedDb: Database;

beforeAll(async () => {
  ctx = await createTelemetryTestContext();
  const url = new URL(ctx.databaseUrl.reveal());
  proxy = await startFaultyProxy(Number(url.port));
  url.port = String(proxy.port);
  proxiedDb = createDatabase({ url: new Secret(url.toString()), max: 4 });
  for (const provider of PROVIDERS) ctx.sim.setFaults(provider, { slowRate: 1, slowMs: 100 });
}, 120_000);
afterAll(async () => {
  await proxiedDb.close();
  await proxy.close();
  await ctx.close();
});

const pointsStored = async () =>
  Number(
    (await ctx.db.query<{ n: bigint }>('SELECT count(DISTINCT point_code) AS n FROM telemetry_measurements')).rows[0]!
      .n,
  );

describe('a telemetry cycle with the database cut off', () => {
  it('loses and duplicates nothing: the next cycle completes what the outage interrupted', async () => {
    const activities = withFailureMapping(createTelemetryActivities({ config: ctx.config, db: proxiedDb }));
    const taskQueue = ctx.uniqueQueue('telemetry-db-outage');
    const run = (name: string) =>
      ctx.client.workflow.start('telemetryPollCycle', {
        taskQueue,
        workflowId: `telemetry-db-outage/${name}-${taskQueue}`,
        args: [
          {
            frequency: 1,
            timeZone: 'America/Santiago',
            initialLookbackMinutes: 120,
            batchSize: 3,
            providerConcurrency: 1,
            pointConcurrency: 1,
          },
        ],
      });
    await ctx.withWorkers([{ taskQueue, activities }], async () => {
      const first = await run('first');
      while ((await pointsStored()) < 3) await sleep(50);
      proxy.down();
      await sleep(2_000);
      proxy.up();
      const interrupted = (await first.result()) as TelemetryCycleResult;
      expect(interrupted.succeeded).toBeGreaterThan(0);
      const second = (await (await run('second')).result()) as TelemetryCycleResult;
      expect(second.failed).toEqual([]);
    });
    for (const point of ctx.points) {
      const raw = await storedRaw(ctx, point.code);
      // Per variable, from its first stored reading to its last (a variable whose overlap was re-read after a
      // gap may reach back before the first poll's window, lib/telemetry/overlap.ts).
      const served = VARIABLES.flatMap((variable) => {
        const own = raw.filter((r) => r.variable === variable);
        if (own.length === 0) return [];
        return ctx.sim.served(point.device, Date.parse(own[0]!.measuredAt), Date.parse(own.at(-1)!.measuredAt), [
          variable,
        ]);
      })
        .filter((r) => r.value !== NOVUS_SENTINEL && !(point.provider === 'tago' && r.value < 0))
        .map((r) => `${r.variable}@${r.measuredAt}=${r.value}`)
        .sort();
      expect(raw.map((r) => `${r.variable}@${r.measuredAt}=${r.value}`).sort()).toEqual(served);
      expect(await storedMeasurements(ctx, point.code)).toEqual(expectedMeasurements(point, raw));
    }
  }, 180_000);
});
