import type { ChildProcess } from 'node:child_process';
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
import type { WorkflowStartOptions } from '@temporalio/client';
import type { WorkerSpec } from '../../workers/create-workers';
import type { TelemetryCycleInput, TelemetryCycleResult } from '../../workflows/telemetry/cycle';
import { createTestContext, type TestContext } from '../harness/context';
import { recordHistory } from '../harness/histories';
import { startWorkerProcess } from '../harness/worker-process';

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
  const runCycle: TelemetryTestContext['runCycle'] = (name, input = {}, record) =>
    runTelemetryWorkflow<TelemetryCycleResult>(ctx, {
      type: 'telemetryPollCycle',
      args: [{ frequency: 1, timeZone: 'America/Santiago', initialLookbackMinutes: 180, ...input }],
      queue: 'telemetry',
      id: `telemetry-test/${name}`,
      record,
      typedSearchAttributes: [
        { key: PIPELINE, value: 'telemetry' },
        { key: TRIGGERED_BY, value: 'api' },
      ],
    });
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

/** Runs `fn` with a worker of the telemetry activities (the real ones unless given) on a fresh task queue. */
export function withTelemetryWorker<T>(
  ctx: TestContext,
  queuePrefix: string,
  fn: (taskQueue: string) => Promise<T>,
  activities: WorkerSpec['activities'] = ctx.activitiesByQueue.telemetry,
): Promise<T> {
  const taskQueue = ctx.uniqueQueue(queuePrefix);
  return ctx.withWorkers([{ taskQueue, activities }], () => fn(taskQueue));
}

export interface TelemetryWorkflowRun extends Pick<WorkflowStartOptions, 'typedSearchAttributes'> {
  type: string;
  args: unknown[];
  /** The prefix of its fresh task queue. */
  queue: string;
  /** The start of its workflow id; the task queue ends it. */
  id: string;
  activities?: WorkerSpec['activities'];
  /** Saves the run's history under this name (RECORD_HISTORIES=1). */
  record?: string;
}

/** Runs one workflow to its end on a worker of its own and returns its result. */
export function runTelemetryWorkflow<R>(
  ctx: TestContext,
  { type, args, queue, id, activities, record, typedSearchAttributes }: TelemetryWorkflowRun,
): Promise<{ workflowId: string; result: R }> {
  return withTelemetryWorker(
    ctx,
    queue,
    async (taskQueue) => {
      const handle = await ctx.client.workflow.start(type, {
        taskQueue,
        workflowId: `${id}-${taskQueue}`,
        args,
        ...(typedSearchAttributes && { typedSearchAttributes }),
      });
      const result = (await handle.result()) as R;
      if (record) await recordHistory(handle, record);
      return { workflowId: handle.workflowId, result };
    },
    activities,
  );
}

/** A worker of the telemetry activities in a process of its own, which a test can SIGKILL. */
export function startTelemetryWorkerProcess(
  ctx: TelemetryTestContext,
  taskQueue: string,
  children: ChildProcess[],
): Promise<ChildProcess> {
  return startWorkerProcess(
    {
      taskQueue,
      databaseUrl: ctx.databaseUrl.reveal(),
      activities: 'telemetry',
      env: { CREDENTIALS_FILE: ctx.credentialsFile },
    },
    children,
  );
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
