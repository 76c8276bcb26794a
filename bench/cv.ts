import { execSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startApi } from '../api/server';
import { spawnChild } from './child-process';
import { refreshOttRollups } from '../activities/cv/rollups';
import { createLogger } from '../lib/logger';
import { CV_DEMO_CREDENTIALS } from '../local/simulators/cv';
import { CV_SCHEDULE_ID } from '../schedules/cv';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { createTestContext, TEST_KEYS, type TestContext } from '../test/harness/context';
import { harnessValue } from '../test/harness/env';
import { freePort } from '../test/harness/ports';

/**
 * `npm run bench:cv`: the CV pipeline's three targets, each against a baseline measured in the
 * same run (machines here are shared and noisy: only a ratio measured side by side means anything).
 *
 * 1. Ingest throughput: CV_BENCH_EVENTS events (default 1M) through the Temporal workflow vs the
 *    bare loop (same client and SQL, no Temporal). Target ratio >= 0.8.
 * 2. Peak RSS (VmHWM) of the production worker process at CV_BENCH_EVENTS and CV_BENCH_RSS_EVENTS (default 3M): within 10%, < 300 MB.
 * 3. OTT analytics for 365 days over rollups of CV_BENCH_ANALYTICS_SMALL (1M) vs
 *    CV_BENCH_ANALYTICS_LARGE (10M) merged OTT events. Target ratio <= 1.5.
 * The worker runs with CV_BENCH_WORKER_NODE_OPTIONS (default: README's recommended V8 heap settings for a CV
 * worker), and once more with Node's defaults for comparison. Set CV_BENCH_SKIP to a comma list of
 * `throughput,rss,default-flags,analytics,build` to run less (`build`: dist/ is already fresh).
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const EVENTS = env('CV_BENCH_EVENTS', 1_000_000);
const RSS_EVENTS = env('CV_BENCH_RSS_EVENTS', 3_000_000);
const ANALYTICS_SMALL = env('CV_BENCH_ANALYTICS_SMALL', 1_000_000);
const ANALYTICS_LARGE = env('CV_BENCH_ANALYTICS_LARGE', 10_000_000);
/** The V8 heap settings README recommends for a CV worker (`NODE_OPTIONS`); '' for Node's defaults. */
const WORKER_NODE_OPTIONS =
  process.env.CV_BENCH_WORKER_NODE_OPTIONS ?? '--max-semi-space-size=2 --max-old-space-size=128';
const SKIP = new Set((process.env.CV_BENCH_SKIP ?? '').split(','));
const children: ChildProcess[] = [];
const log = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

async function startSimulator(volume: number): Promise<[ChildProcess, string]> {
  const [child, line] = await spawnChild(
    'bench/cv-simulator-process.ts',
    { VOLUME: String(volume) },
    /^url /,
    children,
  );
  return [child, line.slice(4)];
}

const cvEnv = (ctx: TestContext, url: string) => ({
  DATABASE_URL: ctx.databaseUrl.reveal(),
  TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
  CV_BASE_URL: url,
  CV_USERNAME: CV_DEMO_CREDENTIALS.username,
  CV_PASSWORD: CV_DEMO_CREDENTIALS.password,
});

async function bareLoop(volume: number) {
  const ctx = await createTestContext();
  const [sim, url] = await startSimulator(volume);
  try {
    const [, line] = await spawnChild('bench/cv-bare-loop.ts', cvEnv(ctx, url), /^bare /, children);
    const [ms, stored, rejected, rss] = line.split(' ').slice(1).map(Number) as [number, number, number, number];
    return { ms, stored, rejected, rss };
  } finally {
    sim.kill('SIGTERM');
    await ctx.close();
  }
}

/** Peak and current resident memory of a process (Linux /proc). */
async function memoryOf(pid: number): Promise<{ peak: number; current: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb('VmHWM'), current: kb('VmRSS') };
}

/**
 * The production worker (`node dist/workers/main.js`, WORKER_TASK_QUEUES=cv, the prebuilt bundle)
 * runs the workflow; ingest time is workflow start → ingest activity completed (from the history).
 */
async function temporalIngest(volume: number, nodeOptions: string) {
  const ctx = await createTestContext();
  const [sim, url] = await startSimulator(volume);
  try {
    const [worker] = await spawnChild(
      'dist/workers/main.js',
      {
        ...cvEnv(ctx, url),
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        WORKER_TASK_QUEUES: 'cv',
        WORKFLOW_BUNDLE_PATH: path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js'),
        WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
        NODE_OPTIONS: nodeOptions,
      },
      /workers running/,
      children,
    );
    // The worker applied the declared schedules: keep the scheduled run out of the measurement.
    await ctx.client.schedule.getHandle(CV_SCHEDULE_ID).pause('benchmark');
    const idle = await memoryOf(worker.pid!);
    const samples: number[] = [];
    const sampler = setInterval(() => void memoryOf(worker.pid!).then((m) => samples.push(m.current)), 1000);
    const handle = await ctx.client.workflow.start('cvPipeline', {
      taskQueue: 'cv',
      workflowId: `bench-cv-${ctx.uniqueQueue('run')}`,
      args: [{ timeZone: ctx.config.timeZone, pageSize: 1000 }],
    });
    const result = await handle.result();
    clearInterval(sampler);
    const memory = await memoryOf(worker.pid!);
    const history = await handle.fetchHistory();
    const time = (event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null } | undefined) =>
      Number(event?.eventTime?.seconds ?? 0) * 1000 + Math.round((event?.eventTime?.nanos ?? 0) / 1e6);
    const startedAt = time(history.events?.[0]);
    const ingestDone = history.events?.find((event) => event.activityTaskCompletedEventAttributes);
    const pipelineMs = time(history.events?.at(-1)) - startedAt;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
    return {
      ms: time(ingestDone) - startedAt,
      pipelineMs,
      stored: result.ingest.stored,
      rejected: result.ingest.rejected,
      rss: memory.peak,
      idleRss: idle.current,
      samples,
    };
  } finally {
    sim.kill('SIGTERM');
    await ctx.close();
  }
}

const timeline = (samples: number[]) =>
  [0.25, 0.5, 0.75, 1]
    .map((at) => mb(samples[Math.max(0, Math.min(samples.length - 1, Math.floor(samples.length * at) - 1))] ?? NaN))
    .join(' → ');

/** Rollups of `volume` merged OTT events over 365 days, built by the pipeline's own rollup step. */
async function analyticsOver(volume: number) {
  const ctx = await createTestContext();
  try {
    const loadStarted = performance.now();
    await ctx.db.query(
      `INSERT INTO cv_merged_ott (record_id, action_id, data_id, data_name, event_time, data_date, time_date, duration, subscriber_id, device_id)
       SELECT n, 8, 'ch-' || (n % 20), 'Canal ' || (n % 20), t, (t AT TIME ZONE 'America/Santiago')::date,
              (t AT TIME ZONE 'America/Santiago')::time, 30 + (n % 7200), 'sub', 'stb'
       FROM generate_series(1, $1::bigint) AS n,
            LATERAL (SELECT now() - ((n % 525600) * interval '1 minute') AS t) AS x`,
      [volume],
    );
    await ctx.db.query('INSERT INTO cv_ott_dirty_days SELECT DISTINCT data_date FROM cv_merged_ott');
    await refreshOttRollups(ctx.db);
    const loadMs = performance.now() - loadStarted;
    const api = await startApi(
      { config: ctx.config, db: ctx.db, client: ctx.client, schedules: [], logger: createLogger('silent') },
      { host: '127.0.0.1', port: 0 },
    );
    try {
      const timings: number[] = [];
      for (let n = 0; n < 25; n++) {
        const started = performance.now();
        const response = await fetch(`${api.url}/api/v1/cv/analytics/ott?days=365`, {
          headers: { authorization: `Bearer ${TEST_KEYS.viewer}` },
        });
        const body = (await response.json()) as { totals: { totaldurationott: { totalEvents: number } } };
        if (n === 0 && body.totals.totaldurationott.totalEvents < volume * 0.99)
          throw new Error(`analytics saw ${body.totals.totaldurationott.totalEvents} of ${volume} events`);
        timings.push(performance.now() - started);
      }
      timings.sort((a, b) => a - b);
      return { medianMs: timings[Math.floor(timings.length / 2)]!, loadMs };
    } finally {
      await api.close();
    }
  } finally {
    await ctx.close();
  }
}

async function main(): Promise<void> {
  if ((!SKIP.has('throughput') || !SKIP.has('rss')) && !SKIP.has('build')) {
    log('# npm run build (the benchmark runs the production worker from dist/)');
    execSync('npm run build', { stdio: 'ignore', cwd: path.resolve(__dirname, '..') });
  }
  await globalSetup();
  try {
    if (!SKIP.has('throughput') || !SKIP.has('rss')) {
      log(`# ingest throughput, ${EVENTS} events`);
      const bare = await bareLoop(EVENTS);
      log(
        `bare loop:  ${(bare.ms / 1000).toFixed(1)} s, ${Math.round(EVENTS / (bare.ms / 1000))} events/s (stored ${bare.stored}, rejected ${bare.rejected}), peak RSS ${mb(bare.rss)}`,
      );
      log(`worker NODE_OPTIONS: "${WORKER_NODE_OPTIONS}"`);
      const temporal = await temporalIngest(EVENTS, WORKER_NODE_OPTIONS);
      log(
        `temporal:   ${(temporal.ms / 1000).toFixed(1)} s, ${Math.round(EVENTS / (temporal.ms / 1000))} events/s (stored ${temporal.stored}, rejected ${temporal.rejected}); whole pipeline incl. merges and rollups ${(temporal.pipelineMs / 1000).toFixed(1)} s`,
      );
      log(`throughput ratio (temporal / bare): ${(bare.ms / temporal.ms).toFixed(3)}  (target >= 0.8)`);
      log(
        `worker peak RSS at ${EVENTS}: ${mb(temporal.rss)} (idle before the run ${mb(temporal.idleRss)}; RSS at 25/50/75/100% of the run: ${timeline(temporal.samples)})`,
      );
      if (!SKIP.has('rss')) {
        const large = await temporalIngest(RSS_EVENTS, WORKER_NODE_OPTIONS);
        log(
          `worker peak RSS at ${RSS_EVENTS}: ${mb(large.rss)} (ingest ${(large.ms / 1000).toFixed(1)} s; idle ${mb(large.idleRss)}; RSS at 25/50/75/100%: ${timeline(large.samples)})`,
        );
        log(
          `RSS ratio (${RSS_EVENTS} / ${EVENTS}): ${(large.rss / temporal.rss).toFixed(3)}  (target within 10%, both < 300 MB)`,
        );
      }
      if (!SKIP.has('default-flags') && WORKER_NODE_OPTIONS !== '') {
        const untuned = await temporalIngest(EVENTS, '');
        log(
          `for comparison, Node's default heap settings at ${EVENTS}: peak RSS ${mb(untuned.rss)} (idle ${mb(untuned.idleRss)}; ${timeline(untuned.samples)}), ingest ${(untuned.ms / 1000).toFixed(1)} s`,
        );
      }
    }
    if (!SKIP.has('analytics')) {
      log(`# OTT analytics, 365 days`);
      const small = await analyticsOver(ANALYTICS_SMALL);
      log(
        `${ANALYTICS_SMALL} events: median ${small.medianMs.toFixed(1)} ms (data + rollups built in ${(small.loadMs / 1000).toFixed(1)} s)`,
      );
      const large = await analyticsOver(ANALYTICS_LARGE);
      log(
        `${ANALYTICS_LARGE} events: median ${large.medianMs.toFixed(1)} ms (data + rollups built in ${(large.loadMs / 1000).toFixed(1)} s)`,
      );
      log(
        `analytics ratio (${ANALYTICS_LARGE} / ${ANALYTICS_SMALL}): ${(large.medianMs / small.medianMs).toFixed(3)}  (target <= 1.5)`,
      );
    }
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await globalTeardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
