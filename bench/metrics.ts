import { performance } from 'node:perf_hooks';
import { DAILY_FORMULAS } from '../data/metrics/formulas/daily';
import type { MetricFormula } from '../lib/metrics/formula';
import { WEEKLY_FORMULAS } from '../data/metrics/formulas/weekly';
import { replacePeriodRows } from '../data/metrics/calculated';
import { generateMetricsDemoData } from '../local/demo-data/metrics';
import type { MetricsBatchResult } from '../workflows/metrics/batch';
import { metricsWorkflowId, RETENTION_DAYS, type MetricsJobId } from '../lib/metrics/catalog';
import { dayPeriod, weekPeriod } from '../lib/metrics/periods';
import { createTestContext, type TestContext } from '../test/harness/context';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';

/**
 * `npm run bench:metrics`: the daily and weekly batches end to end through Temporal (start →
 * result, real worker, real activities) against the same SQL run directly with the same
 * concurrency — every metric at once, each in its own transaction on its own connection, as the
 * workflow's activities do — in the same run on the same data. So the ratio measures what
 * orchestration costs, not what concurrency saves. Target: ratio ≤ 1.3 for both.
 *
 * METRICS_BENCH_REQUESTS (default 1 000 000 requests, 3–5 offers each) over METRICS_BENCH_DAYS
 * (default 56); METRICS_BENCH_ROUNDS timed rounds of each (default 5, median reported).
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const REQUESTS = env('METRICS_BENCH_REQUESTS', 1_000_000);
const DAYS = env('METRICS_BENCH_DAYS', 56);
const ROUNDS = env('METRICS_BENCH_ROUNDS', 5);
const TZ = 'America/Santiago';
const FIRST_DATE = '2026-01-05';
const DAY = '2026-02-11';
const WEEK_END = '2026-02-22';
const log = (line: string) => process.stdout.write(`${line}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** The baseline: every formula of the job at once, each in its own transaction (one per activity). */
async function directSql(
  ctx: TestContext,
  formulas: Record<string, MetricFormula>,
  parameters: Parameters<typeof replacePeriodRows>[2],
  retentionDays: number,
) {
  const rows = await Promise.all(
    Object.values(formulas).map((formula) =>
      ctx.db.withTransaction((client) => replacePeriodRows(client, formula, parameters, retentionDays)),
    ),
  );
  return rows.reduce((sum, n) => sum + n, 0);
}

async function viaTemporal(ctx: TestContext, taskQueue: string, job: MetricsJobId, date: string) {
  const handle = await ctx.client.workflow.start(job, {
    taskQueue,
    workflowId: metricsWorkflowId(job, date),
    args: [{ timeZone: TZ, date }],
  });
  const result = (await handle.result()) as MetricsBatchResult;
  if (result.failed.length > 0) throw new Error(`${job} failed metrics: ${result.failed.join(', ')}`);
  return result.metrics.reduce((sum, metric) => sum + (metric.status === 'ok' ? metric.rows : 0), 0);
}

async function main(): Promise<void> {
  await globalSetup();
  const ctx = await createTestContext({ PIPELINES_TZ: TZ, DATABASE_POOL_MAX: '8' });
  try {
    log(`metrics benchmark: ${REQUESTS.toLocaleString('en')} requests over ${DAYS} days, ${ROUNDS} rounds`);
    const [generateMs, counts] = await timed(() =>
      generateMetricsDemoData(ctx.db, {
        seed: 42,
        firstDate: FIRST_DATE,
        days: DAYS,
        requestsPerDay: Math.round(REQUESTS / DAYS),
        advisors: 400,
        timeZone: TZ,
      }),
    );
    log(`generated ${JSON.stringify(counts)} in ${(generateMs / 1000).toFixed(1)} s`);

    const day = { ...dayPeriod(DAY, TZ), tz: TZ };
    const week = weekPeriod(WEEK_END, TZ);
    const weekParameters = { inicio: week.inicio, fin: week.fin, previo_inicio: week.previoInicio, tz: TZ };
    const jobs = [
      {
        job: 'daily_metrics_batch' as const,
        date: DAY,
        direct: () => directSql(ctx, DAILY_FORMULAS, day, RETENTION_DAYS.daily),
      },
      {
        job: 'weekly_metrics_batch' as const,
        date: WEEK_END,
        direct: () => directSql(ctx, WEEKLY_FORMULAS, weekParameters, RETENTION_DAYS.weekly),
      },
    ];
    const taskQueue = ctx.uniqueQueue('bench-metrics');
    await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.metrics }], async () => {
      for (const { job, date, direct } of jobs) {
        // Warm both paths once (caches, the worker's first workflow task), then alternate.
        const warmRows = await direct();
        const temporalRows = await viaTemporal(ctx, taskQueue, job, date);
        if (warmRows !== temporalRows)
          throw new Error(`${job}: direct SQL wrote ${warmRows} rows, the workflow ${temporalRows}`);
        const directMs: number[] = [];
        const temporalMs: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          directMs.push((await timed(direct))[0]);
          temporalMs.push((await timed(() => viaTemporal(ctx, taskQueue, job, date)))[0]);
        }
        const [d, t] = [median(directMs), median(temporalMs)];
        log(
          `${job}: ${warmRows} rows · direct SQL (same concurrency) median ${d.toFixed(0)} ms · ` +
            `Temporal workflow median ${t.toFixed(0)} ms · ratio ${(t / d).toFixed(2)} (target ≤ 1.3)`,
        );
        log(`  direct  ${directMs.map((ms) => ms.toFixed(0)).join(' ')} ms`);
        log(`  workflow ${temporalMs.map((ms) => ms.toFixed(0)).join(' ')} ms`);
      }
    });
  } finally {
    await ctx.close();
    await globalTeardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
