import { execSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DateTime } from 'luxon';
import { from as copyFrom } from 'pg-copy-streams';
import { ensureCheckpoint, extractToStaging, stagePage } from '../activities/etl/extract';
import { mergeStaging } from '../activities/etl/merge';
import { beginRun } from '../activities/etl/run-log';
import { copyLine, encodeRow, type RawRow } from '../lib/etl/encode';
import { DASHBOARD_DATA, nonKeyColumns } from '../lib/etl/registry';
import { extractionQuery, ident } from '../lib/etl/sql';
import { createEtlTestContext, type EtlTestContext } from '../test/etl/harness';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { seedDashboardSource, workerLoadRss } from './etl-worker-rss';

/**
 * `npm run bench:etl`, each part against a baseline measured in the same run:
 *  - load: the pipeline's staging (COPY per 10k-row page, each with its checkpoint) + merge, vs a
 *    bare COPY into a temp table + one INSERT … ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM
 *    of the same rows (target: ratio baseline/pipeline ≥ 0.9);
 *  - unchanged reload of the same rows: rows written (must be 0) and its time vs the first load;
 *  - extract: the pipeline's paging from the emulator into staging vs a bare paging loop of
 *    @google-cloud/bigquery over the same query (target: ratio ≥ 0.8).
 * ETL_BENCH_LOAD_ROWS (default 1 000 000), ETL_BENCH_EXTRACT_ROWS (default 200 000; the
 * emulator reads ~5k rows/s), ETL_BENCH_PAGE (default 10 000).
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LOAD_ROWS = env('ETL_BENCH_LOAD_ROWS', 1_000_000);
const EXTRACT_ROWS = env('ETL_BENCH_EXTRACT_ROWS', 200_000);
const PAGE = env('ETL_BENCH_PAGE', 10_000);
/** Two volumes for the worker's peak RSS, or '0' to skip it. */
const RSS_ROWS = (process.env.ETL_BENCH_RSS_ROWS ?? '200000,600000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const table = DASHBOARD_DATA;
const log = (line: string) => process.stdout.write(`${line}\n`);
const never = new AbortController().signal;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** `count` distinct dashboard rows in the REST shape, a page at a time (never all in memory). */
function* rawPages(count: number): Generator<RawRow[]> {
  const first = DateTime.now()
    .startOf('day')
    .minus({ days: Math.ceil(count / 1200) });
  let page: RawRow[] = [];
  for (let i = 0; i < count; i++) {
    const day = first.plus({ days: Math.floor(i / 1200) }).toISODate()!;
    const n = i % 1200;
    const values = [day, `A${n % 20}`, `C${Math.floor(n / 20) % 20}`, `S${Math.floor(n / 400)}`, String(100 + n)];
    values.push(String(90 + n), `${n}123456789.123456789`, '1000.5', '12.25', String(n % 7), '0.5', '0.25', 'false');
    values.push(`${BigInt(Date.parse(`${day}T12:00:00Z`)) * 1000n + 123456n}`);
    page.push({ f: values.map((v) => ({ v })) });
    if (page.length === PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

async function pipelineLoad(ctx: EtlTestContext, runId: string) {
  const started = performance.now();
  const window = { from: null, to: null };
  await beginRun(ctx.db, table, {
    runId,
    workflowId: `bench/${runId}`,
    table: table.name,
    mode: 'force',
    startedAt: new Date().toISOString(),
  });
  let checkpoint = await ensureCheckpoint(ctx.db, runId, table, window);
  // One page ahead, so the last one is staged as the last (no next page token).
  let previous: RawRow[] | undefined;
  let n = 0;
  for (const page of rawPages(LOAD_ROWS)) {
    if (previous) checkpoint = await stagePage(ctx.db, 'copy', table, checkpoint, previous, `${++n}`);
    previous = page;
  }
  checkpoint = await stagePage(ctx.db, 'copy', table, checkpoint, previous ?? [], null);
  const stagedAt = performance.now();
  const counts = await mergeStaging(ctx.db, never, { runId, table, mode: 'force', window });
  return { ...counts, stagingMs: stagedAt - started, mergeMs: performance.now() - stagedAt };
}

async function bareLoad(ctx: EtlTestContext) {
  const cols = table.columns.map((c) => ident(c.name)).join(', ');
  const measures = nonKeyColumns(table).map((c) => ident(c.name));
  const started = performance.now();
  await ctx.db.query('CREATE TABLE IF NOT EXISTS bench_dashboard_data (LIKE dashboard_data INCLUDING ALL)');
  return ctx.db.withTransaction(async (client) => {
    await client.query(`CREATE TEMP TABLE bench_stage (LIKE dashboard_data INCLUDING DEFAULTS) ON COMMIT DROP`);
    for (const page of rawPages(LOAD_ROWS)) {
      const text = page.map((row) => {
        const encoded = encodeRow(table, row);
        if (!encoded.ok) throw new Error(encoded.reason);
        return copyLine(encoded.values);
      });
      await pipeline(Readable.from([text.join('')]), client.query(copyFrom(`COPY bench_stage (${cols}) FROM STDIN`)));
    }
    const copiedAt = performance.now();
    const result = await client.query(
      `INSERT INTO bench_dashboard_data (${cols}) SELECT ${cols} FROM bench_stage
       ON CONFLICT (${table.key.map(ident).join(', ')}) DO UPDATE SET ${measures.map((m) => `${m} = EXCLUDED.${m}`).join(', ')}
       WHERE (${measures.map((m) => `bench_dashboard_data.${m}`).join(', ')}) IS DISTINCT FROM (${measures.map((m) => `EXCLUDED.${m}`).join(', ')})`,
    );
    return { rows: result.rowCount ?? 0, copyMs: copiedAt - started, upsertMs: performance.now() - copiedAt };
  });
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
      `memory: ${rows.toLocaleString('en')} rows (${run.pages} pages; seeded in ${(run.seedMs / 1000).toFixed(1)} s): run ${(run.runMs / 1000).toFixed(1)} s, worker peak RSS ${mb(run.peak)} (idle before the run ${mb(run.idle)})`,
    );
  }
  log(
    `memory: peak RSS ratio (${large.toLocaleString('en')} / ${small.toLocaleString('en')}) ${(runs[1]!.peak / runs[0]!.peak).toFixed(3)} (target within 10%)`,
  );
}

async function main(): Promise<void> {
  if (RSS_ROWS.length === 2) {
    log('# npm run build (the memory part runs the production worker from dist/)');
    execSync('npm run build', { stdio: 'ignore', cwd: path.resolve(__dirname, '..') });
  }
  await globalSetup();
  const ctx = await createEtlTestContext({ DATABASE_POOL_MAX: '4' });
  try {
    log(
      `etl benchmark: load ${LOAD_ROWS.toLocaleString('en')} rows, extract ${EXTRACT_ROWS.toLocaleString('en')}, pages of ${PAGE}`,
    );
    const [bareMs, bare] = await timed(() => bareLoad(ctx));
    const [loadMs, first] = await timed(() => pipelineLoad(ctx, 'bench-load-1'));
    log(
      `load: pipeline ${(loadMs / 1000).toFixed(2)} s (staging ${(first.stagingMs / 1000).toFixed(2)} s + merge ${(first.mergeMs / 1000).toFixed(2)} s, ${first.inserted} inserted), bare COPY + upsert ${(bareMs / 1000).toFixed(2)} s (COPY ${(bare.copyMs / 1000).toFixed(2)} s + upsert ${(bare.upsertMs / 1000).toFixed(2)} s, ${bare.rows} rows): ratio ${(bareMs / loadMs).toFixed(2)} (target ≥ 0.9)`,
    );
    const [reloadMs, second] = await timed(() => pipelineLoad(ctx, 'bench-load-2'));
    const written = second.inserted + second.updated + second.deleted;
    log(
      `unchanged reload: ${(reloadMs / 1000).toFixed(2)} s (staging ${(second.stagingMs / 1000).toFixed(2)} s + merge ${(second.mergeMs / 1000).toFixed(2)} s), rows written ${written} (unchanged ${second.unchanged}): ${(reloadMs / loadMs).toFixed(2)} of the first load`,
    );

    const [seedMs] = await timed(() => seedDashboardSource(ctx, EXTRACT_ROWS));
    log(
      `extract: ${EXTRACT_ROWS.toLocaleString('en')} rows written into the emulator in ${(seedMs / 1000).toFixed(1)} s`,
    );
    const window = { from: null, to: null };
    const [extractMs, extracted] = await timed(() =>
      extractToStaging(
        { db: ctx.db, source: ctx.source, stagingWrite: 'copy', signal: never, onProgress: () => undefined },
        { runId: 'bench-extract', table, window, pageSize: PAGE },
      ),
    );
    const [bareExtractMs, bareExtracted] = await timed(async () => {
      const [job] = await ctx.source.client.createQueryJob(
        extractionQuery(table, ctx.source.projectId, ctx.source.dataset, window),
      );
      let pageToken: string | undefined;
      let rows = 0;
      do {
        const [page, next] = await job.getQueryResults({
          maxResults: PAGE,
          pageToken,
          autoPaginate: false,
          skipParsing: true,
        });
        rows += page.length;
        pageToken = next?.pageToken ?? undefined;
      } while (pageToken);
      return rows;
    });
    log(
      `extract: pipeline ${(extractMs / 1000).toFixed(2)} s (${extracted.rows} rows, ${extracted.pages} pages), bare paging ${(bareExtractMs / 1000).toFixed(2)} s (${bareExtracted} rows): ratio ${(bareExtractMs / extractMs).toFixed(2)} (target ≥ 0.8)`,
    );
  } finally {
    await ctx.close();
  }
  try {
    if (RSS_ROWS.length === 2) await memoryBench();
  } finally {
    await globalTeardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:etl failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
