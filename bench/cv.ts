import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startApi } from '../api/server';
import { refreshOttRollups } from '../activities/cv/rollups';
import { createLogger } from '../lib/logger';
import { CV_DEMO_CREDENTIALS } from '../local/simulators/cv';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { createTestContext, TEST_KEYS, type TestContext } from '../test/harness/context';
import { harnessValue } from '../test/harness/env';
import { freePort } from '../test/harness/ports';

/**
 * `npm run bench:cv`: the CV pipeline's three targets, each against a baseline measured in the
 * same run (SPEC §6; machines here are shared and noisy).
 *
 * 1. Ingest throughput: CV_BENCH_EVENTS events (default 1M) through the Temporal workflow vs the
 *    bare loop (same client and SQL, no Temporal). Target ratio >= 0.8.
 * 2. Worker peak RSS at CV_BENCH_EVENTS and CV_BENCH_RSS_EVENTS (default 3M): within 10%, < 300 MB.
 * 3. OTT analytics for 365 days over rollups of CV_BENCH_ANALYTICS_SMALL (1M) vs
 *    CV_BENCH_ANALYTICS_LARGE (10M) merged OTT events. Target ratio <= 1.5.
 * Set CV_BENCH_SKIP to a comma list of `throughput,rss,analytics` to run less.
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const EVENTS = env('CV_BENCH_EVENTS', 1_000_000);
const RSS_EVENTS = env('CV_BENCH_RSS_EVENTS', 3_000_000);
const ANALYTICS_SMALL = env('CV_BENCH_ANALYTICS_SMALL', 1_000_000);
const ANALYTICS_LARGE = env('CV_BENCH_ANALYTICS_LARGE', 10_000_000);
const SKIP = new Set((process.env.CV_BENCH_SKIP ?? '').split(','));
const children: ChildProcess[] = [];
const log = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function spawnChild(
  script: string,
  childEnv: Record<string, string>,
  waitFor: RegExp,
): Promise<[ChildProcess, string]> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', script)], {
    env: { ...process.env, ...childEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((candidate) => waitFor.test(candidate));
      if (line) resolve([child, line]);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before "${waitFor}"`)));
  });
}

async function startSimulator(volume: number): Promise<[ChildProcess, string]> {
  const [child, line] = await spawnChild('bench/cv-simulator-process.ts', { VOLUME: String(volume) }, /^url /);
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
    const [, line] = await spawnChild('bench/cv-bare-loop.ts', cvEnv(ctx, url), /^bare /);
    const [ms, stored, rejected, rss] = line.split(' ').slice(1).map(Number) as [number, number, number, number];
    return { ms, stored, rejected, rss };
  } finally {
    sim.kill('SIGTERM');
    await ctx.close();
  }
}

/** The workflow on a worker in its own process; ingest time is workflow start → ingest activity completed. */
async function temporalIngest(volume: number) {
  const ctx = await createTestContext();
  const [sim, url] = await startSimulator(volume);
  const taskQueue = ctx.uniqueQueue('bench-cv');
  try {
    const [worker] = await spawnChild(
      'test/fixtures/cv-worker-process.ts',
      {
        ...cvEnv(ctx, url),
        TASK_QUEUE: taskQueue,
        WORKFLOW_BUNDLE_PATH: harnessValue('workflowBundle'),
        METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
        REPORT_RSS: '1',
      },
      /ready/,
    );
    const handle = await ctx.client.workflow.start('cvPipeline', {
      taskQueue,
      workflowId: `bench-cv-${taskQueue}`,
      args: [{ timeZone: ctx.config.timeZone, pageSize: 1000 }],
    });
    const result = await handle.result();
    const history = await handle.fetchHistory();
    const time = (event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null } | undefined) =>
      Number(event?.eventTime?.seconds ?? 0) * 1000 + Math.round((event?.eventTime?.nanos ?? 0) / 1e6);
    const startedAt = time(history.events?.[0]);
    const ingestDone = history.events?.find((event) => event.activityTaskCompletedEventAttributes);
    const pipelineMs = time(history.events?.at(-1)) - startedAt;
    const rssLine = new Promise<string>((resolve) =>
      worker.stdout!.on('data', (chunk: Buffer) => {
        const line = chunk
          .toString()
          .split('\n')
          .find((l) => l.startsWith('peak-rss'));
        if (line) resolve(line);
      }),
    );
    worker.kill('SIGTERM');
    const rss = Number((await rssLine).split(' ')[1]);
    return {
      ms: time(ingestDone) - startedAt,
      pipelineMs,
      stored: result.ingest.stored,
      rejected: result.ingest.rejected,
      rss,
    };
  } finally {
    sim.kill('SIGTERM');
    await ctx.close();
  }
}

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
  await globalSetup();
  try {
    if (!SKIP.has('throughput') || !SKIP.has('rss')) {
      log(`# ingest throughput, ${EVENTS} events`);
      const bare = await bareLoop(EVENTS);
      log(
        `bare loop:  ${(bare.ms / 1000).toFixed(1)} s, ${Math.round(EVENTS / (bare.ms / 1000))} events/s (stored ${bare.stored}, rejected ${bare.rejected}), peak RSS ${mb(bare.rss)}`,
      );
      const temporal = await temporalIngest(EVENTS);
      log(
        `temporal:   ${(temporal.ms / 1000).toFixed(1)} s, ${Math.round(EVENTS / (temporal.ms / 1000))} events/s (stored ${temporal.stored}, rejected ${temporal.rejected}); whole pipeline incl. merges and rollups ${(temporal.pipelineMs / 1000).toFixed(1)} s`,
      );
      log(`throughput ratio (temporal / bare): ${(bare.ms / temporal.ms).toFixed(3)}  (target >= 0.8)`);
      log(`worker peak RSS at ${EVENTS}: ${mb(temporal.rss)}`);
      if (!SKIP.has('rss')) {
        const large = await temporalIngest(RSS_EVENTS);
        log(`worker peak RSS at ${RSS_EVENTS}: ${mb(large.rss)} (ingest ${(large.ms / 1000).toFixed(1)} s)`);
        log(
          `RSS ratio (${RSS_EVENTS} / ${EVENTS}): ${(large.rss / temporal.rss).toFixed(3)}  (target within 10%, both < 300 MB)`,
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
