import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { effectiveConfig, type JsonObject } from '../../lib/telemetry/config';
import { EMPTY_POINT_STATE, processReadings, type RawReading } from '../../lib/telemetry/rules';
import { flagInconsistentFlows, inconsistentFlowHours } from '../../lib/telemetry/window';
import { PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import { demoCredentials, demoPoints, registerDemoPoints, type DemoPoint } from '../../local/demo-data/telemetry';
import { createProviderSimulator, type ProviderSimulator } from '../../local/simulators/providers';
import { startSimulatorServer, type RunningSimulators } from '../../local/simulators/server';
import { createSmsSimulator, type SmsSimulator } from '../../local/simulators/sms';
import type { TelemetryCycleInput, TelemetryCycleResult } from '../../workflows/telemetry/cycle';
import { createTestContext, type TestContext } from '../harness/context';
import { recordHistory } from '../harness/histories';

/** A test context with the provider simulators, a CREDENTIALS_FILE (mode 600) and the demo points. */
export interface TelemetryTestContext extends TestContext {
  sim: ProviderSimulator;
  sms: SmsSimulator;
  simServer: RunningSimulators;
  points: DemoPoint[];
  credentialsFile: string;
  writeCredentials(extra?: Record<string, unknown>): void;
  /** With `record`, the run's history is saved under that name (RECORD_HISTORIES=1). */
  runCycle(
    name: string,
    input?: Partial<TelemetryCycleInput>,
    record?: string,
  ): Promise<{ workflowId: string; result: TelemetryCycleResult }>;
  close(): Promise<void>;
}

export async function createTelemetryTestContext(
  extraEnv: (simulatorsUrl: string) => Record<string, string> = () => ({}),
): Promise<TelemetryTestContext> {
  const sim = createProviderSimulator({ seed: 11 });
  const sms = createSmsSimulator();
  const simServer = await startSimulatorServer([sim, sms], 0);
  const dir = mkdtempSync(path.join(tmpdir(), 'telemetry-credentials-'));
  const credentialsFile = path.join(dir, 'credentials.json');
  const points = demoPoints({ frequency: 1 });
  const writeCredentials = (extra: Record<string, unknown> = {}) => {
    writeFileSync(credentialsFile, JSON.stringify({ ...demoCredentials(simServer.url, points), ...extra }), {
      mode: 0o600,
    });
    chmodSync(credentialsFile, 0o600);
  };
  writeCredentials();
  const ctx = await createTestContext({ CREDENTIALS_FILE: credentialsFile, ...extraEnv(simServer.url) });
  await registerDemoPoints(ctx.db, points);
  const runCycle: TelemetryTestContext['runCycle'] = async (name, input = {}, record) => {
    const taskQueue = ctx.uniqueQueue('telemetry');
    return ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.telemetry }], async () => {
      const handle = await ctx.client.workflow.start('telemetryPollCycle', {
        taskQueue,
        workflowId: `telemetry-test/${name}-${taskQueue}`,
        args: [{ frequency: 1, timeZone: 'America/Santiago', initialLookbackMinutes: 180, ...input }],
        typedSearchAttributes: [
          { key: PIPELINE, value: 'telemetry' },
          { key: TRIGGERED_BY, value: 'api' },
        ],
      });
      const result = (await handle.result()) as TelemetryCycleResult;
      if (record) await recordHistory(handle, record);
      return { workflowId: handle.workflowId, result };
    });
  };
  return {
    ...ctx,
    sim,
    sms,
    simServer,
    points,
    credentialsFile,
    writeCredentials,
    runCycle,
    async close() {
      await ctx.close();
      await simServer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A point's stored raw readings, oldest first, as the adapter returned them. */
export async function storedRaw(ctx: Pick<TestContext, 'db'>, code: string): Promise<RawReading[]> {
  const { rows } = await ctx.db.query<{
    variable: string;
    measured_at: Date;
    value: number;
    unit: string | null;
    raw: unknown;
  }>(
    'SELECT variable, measured_at, value, unit, raw FROM telemetry_raw_readings WHERE point_code = $1 ORDER BY measured_at, variable',
    [code],
  );
  return rows.map((row) => ({
    variable: row.variable,
    value: row.value,
    unit: row.unit ?? undefined,
    measuredAt: row.measured_at.toISOString(),
    raw: row.raw,
  }));
}

export async function storedMeasurements(ctx: Pick<TestContext, 'db'>, code: string) {
  const { rows } = await ctx.db.query<{
    variable: string;
    measured_at: Date;
    value_numeric: number | null;
    quality_score: number;
    flags: string[];
    config_version: string;
  }>(
    `SELECT variable, measured_at, value_numeric, quality_score, flags, config_version
       FROM telemetry_measurements WHERE point_code = $1 ORDER BY measured_at, variable`,
    [code],
  );
  return rows.map((row) => ({
    variable: row.variable,
    measuredAt: row.measured_at.toISOString(),
    value: row.value_numeric,
    quality: row.quality_score,
    flags: row.flags,
    version: row.config_version,
  }));
}

/** What the rules give from scratch on a point's raw readings, in the stored form. */
export function expectedMeasurements(point: DemoPoint, raw: readonly RawReading[]) {
  const { config, version } = effectiveConfig({}, point.overrides as JsonObject);
  const { measurements, findings } = processReadings(EMPTY_POINT_STATE, raw, config);
  // The store flags the flows of the hours that disagreed with the total once each hour closes.
  return flagInconsistentFlows(measurements, inconsistentFlowHours(findings))
    .map((m) => ({
      variable: m.variable,
      measuredAt: m.measuredAt,
      value: m.value,
      quality: m.quality,
      flags: m.flags,
      version,
    }))
    .sort((a, b) => a.measuredAt.localeCompare(b.measuredAt) || a.variable.localeCompare(b.variable));
}
