import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSimulatorProcess } from './child-process';
import { createCredentialsStore } from '../platform/credentials';
import { pollPoint } from '../activities/telemetry/poll';
import { createProviderAdapters } from '../activities/telemetry/providers';
import { loadPoints } from '../activities/telemetry/store';
import { PROVIDERS } from '../lib/telemetry/providers';
import { demoCredentials, demoPoints, registerDemoPoints } from '../local/demo-data/telemetry';
import type { TelemetryCycleResult } from '../workflows/telemetry/cycle';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { createTestContext, type TestContext } from '../test/harness/context';
import { startWorkerProcess } from '../test/harness/worker-process';

/**
 * `npm run bench:telemetry`: one 1-minute cycle over TELEMETRY_BENCH_POINTS points (default 5,000,
 * spread over the six providers, 3 variables each; the simulators in their own process) through
 * Temporal (a worker process) against a bare loop doing the same fetches, rules and inserts with
 * the same concurrency (per provider: 2 batches × 4 points), twice in each database: a first poll
 * (no watermark), then a steady-state cycle in the next minute, the priming done (each variable
 * has a watermark and the overlap behind it stored, so the late-readings re-read is measured).
 * Prints wall times, their ratio (target >= 0.7), whether the cycle fits in its minute,
 * measurements per second, and the worker's peak RSS at N and 2N points.
 */
const POINTS = Number(process.env.TELEMETRY_BENCH_POINTS ?? 5_000);
const LOOKBACK_MINUTES = 2;
/** The demo points' `reconnectionMinutes` (the default): the late-readings overlap. */
const OVERLAP_MINUTES = 120;
const PROVIDER_LANES = 2;
const POINTS_PER_BATCH = 4;
const log = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const children: ChildProcess[] = [];

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

function startSimulators(devicesPerProvider: number): Promise<string> {
  return startSimulatorProcess(
    'bench/telemetry-simulator-process.ts',
    { DEVICES_PER_PROVIDER: String(devicesPerProvider) },
    children,
  );
}

interface Setup {
  ctx: TestContext;
  credentialsFile: string;
  dir: string;
}

async function setUp(points: number, simulatorsUrl: string): Promise<Setup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-telemetry-'));
  const credentialsFile = path.join(dir, 'credentials.json');
  const list = demoPoints({ devicesPerProvider: Math.ceil(points / PROVIDERS.length), frequency: 1 });
  writeFileSync(credentialsFile, JSON.stringify(demoCredentials(simulatorsUrl, list)), { mode: 0o600 });
  chmodSync(credentialsFile, 0o600);
  const ctx = await createTestContext({ CREDENTIALS_FILE: credentialsFile });
  await registerDemoPoints(ctx.db, list);
  return { ctx, credentialsFile, dir };
}

/**
 * What the polls of the last `reconnectionMinutes` before the priming cycle would have stored:
 * every minute of the overlap behind each watermark (only the keys matter: the measured cycle
 * re-reads them and stores none, as in steady state; values are placeholders no rule reads).
 */
async function fillOverlap(ctx: TestContext): Promise<void> {
  await ctx.db.query(
    `INSERT INTO telemetry_raw_readings (point_code, variable, measured_at, value, raw)
     SELECT s.point_code, s.variable, t, 0, '{}'::jsonb FROM telemetry_variable_state s,
            generate_series(s.watermark - make_interval(mins => $1), s.watermark, interval '1 minute') t
     ON CONFLICT DO NOTHING`,
    [OVERLAP_MINUTES],
  );
}

/**
 * Until the minute after `since` has begun. The priming cycle starts at a minute's start and the
 * measured one at the next, so (each taking less than a minute) every point has exactly one new
 * reading per variable in the measured cycle, in both runs: the same fetches.
 */
async function nextMinute(since: number): Promise<void> {
  const at = (Math.floor(since / 60_000) + 1) * 60_000 + 2_000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

interface CycleRun {
  ms: number;
  measurements: number;
  failed: number;
}

/** A first poll of every point (fresh database), then, the priming done, a steady-state cycle. */
async function temporalCycle(points: number, simulatorsUrl: string, steady: boolean) {
  const { ctx, credentialsFile, dir } = await setUp(points, simulatorsUrl);
  try {
    const taskQueue = ctx.uniqueQueue('bench-telemetry');
    const worker = await startWorkerProcess(
      {
        taskQueue,
        databaseUrl: ctx.databaseUrl.reveal(),
        activities: 'telemetry',
        env: { CREDENTIALS_FILE: credentialsFile },
      },
      children,
    );
    const run = async (name: string): Promise<CycleRun> => {
      const started = performance.now();
      const handle = await ctx.client.workflow.start('telemetryPollCycle', {
        taskQueue,
        workflowId: `bench-telemetry/${taskQueue}/${name}`,
        args: [
          {
            frequency: 1,
            timeZone: ctx.config.timeZone,
            initialLookbackMinutes: LOOKBACK_MINUTES,
            providerConcurrency: PROVIDER_LANES,
            pointConcurrency: POINTS_PER_BATCH,
          },
        ],
      });
      const result = (await handle.result()) as TelemetryCycleResult;
      return { ms: performance.now() - started, measurements: result.measurements, failed: result.failedCount };
    };
    if (steady) await nextMinute(Date.now());
    const first = await run('first');
    const rss = peakRss(worker.pid!);
    let steadyRun: CycleRun | undefined;
    if (steady) {
      await fillOverlap(ctx);
      await nextMinute(Date.now());
      steadyRun = await run('steady');
    }
    worker.kill('SIGKILL');
    return { first, steady: steadyRun, rss };
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same work without Temporal: per provider, the same number of points in flight. */
async function bareLoop(points: number, simulatorsUrl: string) {
  const { ctx, credentialsFile, dir } = await setUp(points, simulatorsUrl);
  try {
    const codes = (await ctx.db.query<{ code: string }>('SELECT code FROM telemetry_points ORDER BY code')).rows;
    const rows = await loadPoints(
      ctx.db,
      codes.map((r) => r.code),
    );
    const adapters = createProviderAdapters(new Map());
    const credentials = createCredentialsStore(credentialsFile);
    const run = async (): Promise<CycleRun> => {
      let measurements = 0;
      const started = performance.now();
      await Promise.all(
        PROVIDERS.map(async (provider) => {
          const queue = rows.filter((row) => row.provider === provider);
          const lane = async () => {
            for (let point = queue.shift(); point; point = queue.shift()) {
              const result = await pollPoint(
                {
                  db: ctx.db,
                  adapter: adapters[provider],
                  credentials,
                  http: {},
                  now: () => new Date(),
                  initialLookbackMinutes: LOOKBACK_MINUTES,
                },
                point,
              );
              measurements += result.measurements;
            }
          };
          await Promise.all(Array.from({ length: PROVIDER_LANES * POINTS_PER_BATCH }, lane));
        }),
      );
      return { ms: performance.now() - started, measurements, failed: 0 };
    };
    await nextMinute(Date.now());
    const first = await run();
    await fillOverlap(ctx);
    await nextMinute(Date.now());
    const steady = await run();
    return { first, steady };
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(label: string, bare: CycleRun, cycle: CycleRun): void {
  const ratio = bare.ms / cycle.ms;
  log(`  ${label}`);
  log(`    bare loop        ${(bare.ms / 1000).toFixed(1)} s, ${bare.measurements} measurements`);
  log(
    `    Temporal cycle   ${(cycle.ms / 1000).toFixed(1)} s, ${cycle.measurements} measurements, ${cycle.failed} failed points`,
  );
  log(`    ratio bare/Temporal ${ratio.toFixed(2)} (target >= 0.7): ${ratio >= 0.7 ? 'ok' : 'BELOW TARGET'}`);
  log(`    inside its minute: ${cycle.ms < 60_000 ? 'yes' : 'NO'}`);
  log(
    `    measurements/s   ${(cycle.measurements / (cycle.ms / 1000)).toFixed(0)} (Temporal), ${(bare.measurements / (bare.ms / 1000)).toFixed(0)} (bare)`,
  );
}

async function main(): Promise<void> {
  await globalSetup();
  try {
    const url = await startSimulators(Math.ceil((2 * POINTS) / PROVIDERS.length));
    log(
      `telemetry bench: ${POINTS} points over ${PROVIDERS.length} providers, 3 variables, ${LOOKBACK_MINUTES} minutes each`,
    );
    const bare = await bareLoop(POINTS, url);
    const cycle = await temporalCycle(POINTS, url, true);
    const double = await temporalCycle(2 * POINTS, url, false);
    report('first poll (fresh database, no watermark)', bare.first, cycle.first);
    report(
      `steady state (a minute after a priming cycle, ${OVERLAP_MINUTES} minutes behind each watermark stored)`,
      bare.steady,
      cycle.steady!,
    );
    log(
      `  worker peak RSS  ${mb(cycle.rss)} at ${POINTS} points, ${mb(double.rss)} at ${2 * POINTS} (first poll ${(double.first.ms / 1000).toFixed(1)} s)`,
    );
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await globalTeardown();
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
