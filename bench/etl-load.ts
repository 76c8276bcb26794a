import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DateTime } from 'luxon';
import { from as copyFrom } from 'pg-copy-streams';
import { ensureCheckpoint, stagePage } from '../activities/etl/extract';
import { mergeStaging } from '../activities/etl/merge';
import { beginRun } from '../activities/etl/run-log';
import { copyLine, encodeRow, type RawRow } from '../lib/etl/encode';
import { DASHBOARD_DATA, nonKeyColumns } from '../lib/etl/registry';
import { ident } from '../lib/etl/sql';
import type { EtlTestContext } from '../test/etl/harness';

/**
 * The load part of `npm run bench:etl`: the pipeline's staging + merge of `count` dashboard_data
 * rows, and the bare baseline over the same rows. Both encode the rows the same way
 * (lib/etl/encode.ts) from the same generator, so the difference is what each does in PostgreSQL.
 */
const table = DASHBOARD_DATA;
const never = new AbortController().signal;

/** `count` distinct dashboard rows in the REST shape, a page at a time (never all in memory). */
export function* rawPages(count: number, pageSize: number): Generator<RawRow[]> {
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
    if (page.length === pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/** A forced run of the pipeline over the generated rows: staging page by page, then the merge. */
export async function pipelineLoad(ctx: EtlTestContext, runId: string, count: number, pageSize: number) {
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
  for (const page of rawPages(count, pageSize)) {
    if (previous) checkpoint = await stagePage(ctx.db, 'copy', table, checkpoint, previous, `${++n}`);
    previous = page;
  }
  checkpoint = await stagePage(ctx.db, 'copy', table, checkpoint, previous ?? [], null);
  const stagedAt = performance.now();
  const counts = await mergeStaging(ctx.db, never, { runId, table, mode: 'force', window });
  const ended = performance.now();
  return { ...counts, ms: ended - started, stagingMs: stagedAt - started, mergeMs: ended - stagedAt };
}

/** An empty copy of the target for the baseline (what the pipeline's first load starts from). */
export async function resetBareTarget(ctx: EtlTestContext): Promise<void> {
  await ctx.db.query('DROP TABLE IF EXISTS bench_dashboard_data');
  await ctx.db.query('CREATE TABLE bench_dashboard_data (LIKE dashboard_data INCLUDING ALL)');
}

/** The baseline: COPY into a temp table + one INSERT … ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM. */
export async function bareLoad(ctx: EtlTestContext, count: number, pageSize: number) {
  const cols = table.columns.map((c) => ident(c.name)).join(', ');
  const measures = nonKeyColumns(table).map((c) => ident(c.name));
  const started = performance.now();
  return ctx.db.withTransaction(async (client) => {
    await client.query(`CREATE TEMP TABLE bench_stage (LIKE dashboard_data INCLUDING DEFAULTS) ON COMMIT DROP`);
    for (const page of rawPages(count, pageSize)) {
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
    const ended = performance.now();
    return { rows: result.rowCount ?? 0, ms: ended - started, copyMs: copiedAt - started, upsertMs: ended - copiedAt };
  });
}
