import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { EVOLUTION_DATA } from '../../lib/etl/registry';
import { demoRows } from '../../local/demo-data/etl';
import { insertSourceRows } from '../../local/etl-source';
import { PIPELINE } from '../../lib/search-attributes';
import type { ExtractResult } from '../../activities/etl/extract';
import type { EtlTableResult } from '../../workflows/etl';
import { recordHistory } from '../harness/histories';
import { killWorkerProcess, startWorkerProcess } from '../harness/worker-process';
import { createEtlTestContext, logRows, targetRows, type EtlTestContext } from './harness';

/**
 * Durability of the ETL against the real emulator: a retried extract resumes at its checkpoint
 * with the same query job; a job gone upstream is queried again from scratch; a cancelled run
 * ends Canceled with the target untouched; a worker SIGKILLed while paging is replaced and the
 * run completes with the target equal to the source and one `succeeded` log row.
 */
const ZONE = 'America/Santiago';
let ctx: EtlTestContext;
const children: ChildProcess[] = [];
const table = EVOLUTION_DATA.name;
const DAYS = 30;
let sourceRows = 0;

beforeAll(async () => {
  ctx = await createEtlTestContext();
  const today = DateTime.now().setZone(ZONE).startOf('day');
  const rows = Array.from({ length: DAYS }, (_, i) => demoRows(table, today.minus({ days: i }).toISODate()!)).flat();
  await insertSourceRows(ctx.source, table, rows);
  sourceRows = rows.length;
}, 120_000);
afterAll(async () => {
  for (const child of children) await killWorkerProcess(child);
  await ctx?.close();
});

const checkpoint = async (runId: string) =>
  (await ctx.db.query('SELECT bq_job_id, pages, rows_staged FROM etl_extract_checkpoints WHERE run_id = $1', [runId]))
    .rows[0] as { bq_job_id: string; pages: number; rows_staged: bigint } | undefined;
const stagedCount = async (runId: string) =>
  Number(
    (await ctx.db.query(`SELECT count(*) AS n FROM etl_staging."${table}_${runId.replace(/-/g, '')}"`)).rows[0]!.n,
  );

async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('the ETL extract', () => {
  const window = { from: null, to: null };

  it('resumes a retried extract at its checkpoint, with the same BigQuery job and no row twice', async () => {
    const runId = '00000000-0000-4000-8000-000000000001';
    const { extractEtlTable } = ctx.activitiesByQueue.etl;
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (details: { phase?: string; page?: number }) => {
      if (details?.phase === 'extract' && (details.page ?? 0) >= 3) first.cancel();
    });
    await expect(first.run(extractEtlTable, { runId, table, window, pageSize: 5 })).rejects.toThrow();
    const interrupted = (await checkpoint(runId))!;
    expect(interrupted.pages).toBeGreaterThanOrEqual(3);
    expect(interrupted.pages * 5).toBeLessThan(sourceRows);

    const result: ExtractResult = await new MockActivityEnvironment({ attempt: 2 }).run(extractEtlTable, {
      runId,
      table,
      window,
      pageSize: 5,
    });
    expect(result).toMatchObject({ jobId: interrupted.bq_job_id, rows: sourceRows, requeried: 0 });
    expect(result.pages).toBe(Math.ceil(sourceRows / 5));
    expect(await stagedCount(runId)).toBe(sourceRows);
    await ctx.activitiesByQueue.etl.finishEtlRun({ runId, status: 'canceled' });
  });

  it('queries the window again when its job is gone upstream, discarding what it had staged', async () => {
    const runId = '00000000-0000-4000-8000-000000000002';
    const { extractEtlTable } = ctx.activitiesByQueue.etl;
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (details: { phase?: string; page?: number }) => {
      if (details?.phase === 'extract' && (details.page ?? 0) >= 2) first.cancel();
    });
    await expect(first.run(extractEtlTable, { runId, table, window, pageSize: 5 })).rejects.toThrow();
    await ctx.db.query("UPDATE etl_extract_checkpoints SET bq_job_id = 'job-lost-upstream' WHERE run_id = $1", [runId]);
    const result: ExtractResult = await new MockActivityEnvironment({ attempt: 2 }).run(extractEtlTable, {
      runId,
      table,
      window,
      pageSize: 50,
    });
    expect(result).toMatchObject({ rows: sourceRows, requeried: 1 });
    expect(result.jobId).not.toBe('job-lost-upstream');
    expect(await stagedCount(runId)).toBe(sourceRows);
    await ctx.activitiesByQueue.etl.finishEtlRun({ runId, status: 'canceled' });
  });
});

describe('an ETL run', () => {
  it('cancelled while extracting ends Canceled, with the target untouched and its staging gone', async () => {
    const taskQueue = ctx.uniqueQueue('etl-cancel');
    await ctx.withWorkers([{ taskQueue, activities: ctx.activitiesByQueue.etl }], async () => {
      const handle = await ctx.client.workflow.start('etlTable', {
        taskQueue,
        workflowId: `etl-table/${table}/force/cancel-${taskQueue}`,
        args: [{ table, mode: 'force', timeZone: ZONE, pageSize: 1, heartbeatTimeout: '5 seconds' }],
        typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
      });
      const runId = handle.firstExecutionRunId;
      await waitFor(async () => ((await checkpoint(runId))?.pages ?? 0) >= 3, 'pages staged');
      await handle.cancel();
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect(await checkpoint(runId)).toBeUndefined();
      expect(await targetRows(ctx.db, table)).toEqual([]);
      expect((await logRows(ctx.db, table)).map((row) => row.status)).toEqual(['canceled']);
      const { rows } = await ctx.db.query(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'etl_staging'",
      );
      expect(rows[0]!.n).toBe(0);
    });
  });

  it('survives its worker SIGKILLed while paging: resumed by another, target equal to source, one succeeded row', async () => {
    const taskQueue = ctx.uniqueQueue('etl-kill');
    const env = {
      BIGQUERY_PROJECT_ID: ctx.config.bigquery.projectId!,
      BIGQUERY_DATASET: ctx.dataset,
      BIGQUERY_API_ENDPOINT: ctx.config.bigquery.apiEndpoint!,
    };
    const start = () =>
      startWorkerProcess({ taskQueue, databaseUrl: ctx.databaseUrl.reveal(), activities: 'etl', env }, children);
    let worker = await start();
    // The watermark is the business day the run saw; a run that spans local midnight saw either.
    const localDay = () => DateTime.now().setZone(ZONE).toISODate();
    const daysSeen = [localDay()];
    const handle = await ctx.client.workflow.start('etlTable', {
      taskQueue,
      workflowId: `etl-table/${table}/incremental/kill-${taskQueue}`,
      args: [{ table, timeZone: ZONE, pageSize: 2, heartbeatTimeout: '2 seconds' }],
      typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
    });
    const runId = handle.firstExecutionRunId;
    const atKill = await waitFor(async () => {
      const state = await checkpoint(runId);
      return state && state.pages >= 3 ? state : undefined;
    }, 'pages staged');
    await killWorkerProcess(worker);
    worker = await start();
    const result = (await handle.result()) as EtlTableResult;
    daysSeen.push(localDay());
    await killWorkerProcess(worker);
    expect(result.extract).toMatchObject({ jobId: atKill.bq_job_id, rows: sourceRows, requeried: 0 });
    expect(result.merge).toMatchObject({ inserted: sourceRows, updated: 0, deleted: 0 });
    expect(await targetRows(ctx.db, table)).toHaveLength(sourceRows);
    const log = await logRows(ctx.db, table);
    expect(log.filter((row) => row.status === 'succeeded')).toHaveLength(1);
    const { rows } = await ctx.db.query('SELECT watermark::text FROM etl_watermarks WHERE table_name = $1', [table]);
    expect(daysSeen).toContain(rows[0]!.watermark);
    await recordHistory(handle, 'etl-table-killed-worker');
  }, 120_000);
});
