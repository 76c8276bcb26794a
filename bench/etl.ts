import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { extractToStaging } from '../activities/etl/extract';
import { stagingTableName } from '../data/etl/staging';
import { DASHBOARD_DATA } from '../lib/etl/registry';
import { extractionQuery, ident, STAGING_SCHEMA } from '../lib/etl/sql';
import { createEtlTestContext, type EtlTestContext } from '../test/etl/harness';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { bareLoad, pipelineLoad, resetBareTarget } from './etl-load';
import { seedDashboardSource, workerLoadRss } from './etl-worker-rss';

/**
 * `npm run bench:etl`, each part against a baseline measured in the same run, in alternating
 * rounds (baseline, pipeline, baseline, pipeline, …) so that load from other processes on the
 * machine falls on both; the figures are the medians of the rounds:
 *  - load: the pipeline's staging (COPY per 10k-row page, each with its checkpoint) + merge, vs a
 *    bare COPY into a temp table + one INSERT … ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM
 *    of the same rows (target: ratio baseline/pipeline ≥ 0.9);
 *  - unchanged reload of the same rows after each pipeline load: rows written (must be 0) and its
 *    time vs the first load;
 *  - extract: the pipeline's paging from the emulator into staging vs a bare paging loop of
 *    @google-cloud/bigquery over the same query (target: ratio ≥ 0.8);
 *  - memory: the production worker's peak RSS at two volumes (bench/etl-worker-rss.ts).
 * ETL_BENCH_LOAD_ROWS (default 1 000 000), ETL_BENCH_EXTRACT_ROWS (default 200 000),
 * ETL_BENCH_PAGE (default 10 000), ETL_BENCH_RSS_ROWS (default 100000,300000); 0 skips a part.
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LOAD_ROWS = env('ETL_BENCH_LOAD_ROWS', 1_000_000);
const EXTRACT_ROWS = env('ETL_BENCH_EXTRACT_ROWS', 200_000);
const PAGE = env('ETL_BENCH_PAGE', 10_000);
/** Two volumes for the worker's peak RSS, or '0' to skip it. */
const RSS_ROWS = (process.env.ETL_BENCH_RSS_ROWS ?? '100000,300000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const ROUNDS = 3;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const table = DASHBOARD_DATA;
const log = (line: string) => process.stdout.write(`${line}\n`);
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const never = new AbortController().signal;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each round's ratio baseline/pipeline, and their median (next to the ratio of the medians). */
function rounds(bare: number[], pipeline: number[]): string {
  const ratios = bare.map((b, i) => b / pipeline[i]!);
  return `${ratios.map((r) => r.toFixed(2)).join(', ')}, median ${median(ratios).toFixed(2)}`;
}

/** Dirty buffers of the previous step written out first, so that no step pays for another's. */
const settle = (ctx: EtlTestContext) => ctx.db.query('CHECKPOINT');

async function loadBench(ctx: EtlTestContext): Promise<void> {
  log(`load: ${LOAD_ROWS.toLocaleString('en')} rows, pages of ${PAGE}, ${ROUNDS} rounds (baseline, then pipeline)`);
  const bare: number[] = [];
  const first: number[] = [];
  const reload: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await resetBareTarget(ctx);
    await settle(ctx);
    const b = await bareLoad(ctx, LOAD_ROWS, PAGE);
    log(
      `  round ${round} bare COPY + upsert: ${s(b.ms)} (COPY ${s(b.copyMs)} + upsert ${s(b.upsertMs)}, ${b.rows} rows)`,
    );
    await ctx.db.query(`TRUNCATE ${ident(table.name)}`);
    await settle(ctx);
    const p = await pipelineLoad(ctx, `bench-load-${round}`, LOAD_ROWS, PAGE);
    log(
      `  round ${round} pipeline: ${s(p.ms)} (staging ${s(p.stagingMs)} + merge ${s(p.mergeMs)}, ${p.inserted} inserted)`,
    );
    await settle(ctx);
    const r = await pipelineLoad(ctx, `bench-reload-${round}`, LOAD_ROWS, PAGE);
    const written = r.inserted + r.updated + r.deleted;
    log(
      `  round ${round} unchanged reload: ${s(r.ms)} (staging ${s(r.stagingMs)} + merge ${s(r.mergeMs)}), rows written ${written} (unchanged ${r.unchanged})`,
    );
    if (written !== 0) throw new Error(`the unchanged reload wrote ${written} rows`);
    bare.push(b.ms);
    first.push(p.ms);
    reload.push(r.ms);
  }
  await ctx.db.query('DROP TABLE IF EXISTS bench_dashboard_data');
  log(
    `load: median pipeline ${s(median(first))} vs bare ${s(median(bare))}: ratio ${(median(bare) / median(first)).toFixed(2)} (target ≥ 0.9); per round ${rounds(bare, first)}`,
  );
  log(
    `unchanged reload: median ${s(median(reload))}, rows written 0 in every round: ${(median(reload) / median(first)).toFixed(2)} of the first load`,
  );
}

/** The bare loop: the same query job and pages as the pipeline, nothing done with the rows. */
async function bareExtract(ctx: EtlTestContext) {
  const window = { from: null, to: null };
  const [job] = await ctx.source.client.createQueryJob(
    extractionQuery(table, ctx.source.projectId, ctx.source.dataset, window),
  );
  let pageToken: string | undefined;
  let rows = 0;
  const pageMs: number[] = [];
  do {
    const started = performance.now();
    const [page, next] = await job.getQueryResults({
      maxResults: PAGE,
      pageToken,
      autoPaginate: false,
      skipParsing: true,
    });
    pageMs.push(performance.now() - started);
    rows += page.length;
    pageToken = next?.pageToken ?? undefined;
  } while (pageToken);
  return { rows, pageMs };
}

async function extractBench(ctx: EtlTestContext): Promise<void> {
  const seedStarted = performance.now();
  await seedDashboardSource(ctx, EXTRACT_ROWS);
  log(
    `extract: ${EXTRACT_ROWS.toLocaleString('en')} rows written into the emulator in ${s(performance.now() - seedStarted)}; pages of ${PAGE}, ${ROUNDS} rounds (baseline, then pipeline)`,
  );
  const bare: number[] = [];
  const pipeline: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    let started = performance.now();
    const b = await bareExtract(ctx);
    bare.push(performance.now() - started);
    const pages = b.pageMs.length;
    log(
      `  round ${round} bare paging: ${s(bare.at(-1)!)} (${b.rows} rows, ${pages} pages; first page ${s(b.pageMs[0]!)}, last ${s(b.pageMs[pages - 1]!)})`,
    );
    const runId = `bench-extract-${round}`;
    started = performance.now();
    const p = await extractToStaging(
      { db: ctx.db, source: ctx.source, stagingWrite: 'copy', signal: never, onProgress: () => undefined },
      { runId, table, window: { from: null, to: null }, pageSize: PAGE },
    );
    pipeline.push(performance.now() - started);
    log(`  round ${round} pipeline: ${s(pipeline.at(-1)!)} (${p.rows} rows, ${p.pages} pages)`);
    await ctx.db.query(`DROP TABLE ${STAGING_SCHEMA}.${ident(stagingTableName(table.name, runId))}`);
  }
  log(
    `extract: median pipeline ${s(median(pipeline))} vs bare ${s(median(bare))}: ratio ${(median(bare) / median(pipeline)).toFixed(2)} (target ≥ 0.8); per round ${rounds(bare, pipeline)}`,
  );
}

/** The production worker's peak RSS loading the two volumes of ETL_BENCH_RSS_ROWS. */
async function memoryBench(): Promise<void> {
  const [small, large] = RSS_ROWS as [number, number];
  log(
    `memory: the production worker loading ${small.toLocaleString('en')} and ${large.toLocaleString('en')} rows from the emulator (force, pages of ${PAGE})`,
  );
  const runs = [];
  for (const rows of [small, large]) {
    const run = await workerLoadRss(rows, PAGE);
    runs.push(run);
    log(
      `memory: ${rows.toLocaleString('en')} rows (${run.pages} pages; seeded in ${s(run.seedMs)}): run ${s(run.runMs)}, worker peak RSS ${mb(run.peak)} (idle before the run ${mb(run.idle)})`,
    );
  }
  log(
    `memory: peak RSS ratio (${large.toLocaleString('en')} / ${small.toLocaleString('en')}) ${(runs[1]!.peak / runs[0]!.peak).toFixed(3)} (target within 10%)`,
  );
}

async function main(): Promise<void> {
  log(`bench:etl load average at start: ${loadAverage()}`);
  if (RSS_ROWS.length === 2) {
    log('# npm run build (the memory part runs the production worker from dist/)');
    execSync('npm run build', { stdio: 'ignore', cwd: path.resolve(__dirname, '..') });
  }
  await globalSetup();
  try {
    const ctx = await createEtlTestContext({ DATABASE_POOL_MAX: '4' });
    try {
      if (LOAD_ROWS > 0) await loadBench(ctx);
      if (EXTRACT_ROWS > 0) await extractBench(ctx);
    } finally {
      await ctx.close();
    }
    if (RSS_ROWS.length === 2) await memoryBench();
  } finally {
    await globalTeardown();
    log(`bench:etl load average at end: ${loadAverage()}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:etl failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
