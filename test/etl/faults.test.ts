import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { createEtlActivities } from '../../activities/etl';
import { createBigQuerySource, type BigQuerySource } from '../../lib/bigquery';
import { plainDecimal } from '../../lib/etl/encode';
import { createDatabase, type Database } from '../../lib/db';
import { withFailureMapping } from '../../lib/errors';
import { requireTable } from '../../lib/etl/registry';
import { PIPELINE } from '../../lib/search-attributes';
import { Secret } from '../../lib/secret';
import { startBigQueryEmulator } from '../../local/bigquery-emulator';
import { demoRows } from '../../local/demo-data/etl';
import { createSourceTable, ensureDataset, insertSourceRows } from '../../local/etl-source';
import type { ManagedProcess } from '../../local/processes';
import { ensureTool } from '../../local/tools';
import type { EtlTableResult } from '../../workflows/etl';
import { freePort } from '../harness/ports';
import { startFaultyProxy } from '../harness/tcp-proxy';
import { killWorkerProcess, startWorkerProcess } from '../harness/worker-process';
import { createEtlTestContext, logRows, targetRows, type EtlTestContext } from './harness';

/**
 * Faults in the middle of a load: the worker SIGKILLed during the merge, the database cut off
 * while pages are being staged, the BigQuery emulator killed and restarted mid-extract. Each
 * time the run completes with the target holding exactly the source's rows, the watermark at the
 * source's last day, and one `succeeded` row in the log.
 */
const ZONE = 'America/Santiago';
let ctx: EtlTestContext;
const children: ChildProcess[] = [];
const today = DateTime.now().setZone(ZONE).startOf('day');

beforeAll(async () => {
  ctx = await createEtlTestContext();
});
afterAll(async () => {
  for (const child of children) await killWorkerProcess(child);
  await ctx?.close();
});

const sourceRowsFor = (table: string, days: number) =>
  Array.from({ length: days }, (_, i) => demoRows(table, today.minus({ days: i }).toISODate()!)).flat();

async function waitFor(probe: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const pagesStaged = async (db: Database, runId: string) =>
  Number((await db.query('SELECT pages FROM etl_extract_checkpoints WHERE run_id = $1', [runId])).rows[0]?.pages ?? 0);

/**
 * Target keys equal to the source's and every NUMERIC column summing exactly to the source's sum
 * (computed by BigQuery), the watermark at today, one succeeded log row.
 */
async function expectComplete(
  table: string,
  source: Record<string, unknown>[],
  result: EtlTableResult,
  bigquery: BigQuerySource = ctx.source,
) {
  const declaration = requireTable(table);
  const keyOf = (row: Record<string, unknown>) => declaration.key.map((k) => String(row[k])).join('|');
  const stored = await targetRows(ctx.db, table);
  expect(stored.map(keyOf).sort()).toEqual(source.map(keyOf).sort());
  for (const column of declaration.columns.filter((c) => c.type === 'NUMERIC')) {
    const [upstream] = await bigquery.client.query({
      query: `SELECT CAST(SUM(${column.name}) AS STRING) AS total FROM \`${bigquery.projectId}.${bigquery.dataset}.${table}\``,
    });
    const { rows } = await ctx.db.query(`SELECT sum("${column.name}")::text AS total FROM "${table}"`);
    expect(plainDecimal(rows[0]!.total as string)).toBe(plainDecimal((upstream[0] as { total: string }).total));
  }
  expect(result.merge).toMatchObject({ inserted: source.length, updated: 0, deleted: 0, watermark: today.toISODate() });
  const log = await logRows(ctx.db, table);
  expect(log.filter((row) => row.status === 'succeeded')).toHaveLength(1);
  expect(log.filter((row) => row.status === 'running')).toHaveLength(0);
}

describe('the ETL under faults', () => {
  it('completes after its worker is SIGKILLed during the merge', async () => {
    const table = 'productivity_data';
    const rows = sourceRowsFor(table, 10);
    await insertSourceRows(ctx.source, table, rows);
    const taskQueue = ctx.uniqueQueue('etl-merge-kill');
    const env = {
      BIGQUERY_PROJECT_ID: ctx.config.bigquery.projectId!,
      BIGQUERY_DATASET: ctx.dataset,
      BIGQUERY_API_ENDPOINT: ctx.config.bigquery.apiEndpoint!,
    };
    const start = () =>
      startWorkerProcess({ taskQueue, databaseUrl: ctx.databaseUrl.reveal(), activities: 'etl', env }, children);
    // Holding the table's merge lock parks the merge inside its transaction, where it is killed.
    const holder = await ctx.db.pool.connect();
    await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`etl:${table}`]);
    let worker = await start();
    const handle = await ctx.client.workflow.start('etlTable', {
      taskQueue,
      workflowId: `etl-table/${table}/incremental/merge-kill-${taskQueue}`,
      args: [{ table, timeZone: ZONE, pageSize: 50, heartbeatTimeout: '2 seconds' }],
      typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
    });
    try {
      await waitFor(async () => {
        const { rows: waiting } = await ctx.db.query(
          "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        return waiting.length > 0;
      }, 'the merge waiting on its lock');
      await killWorkerProcess(worker);
      expect(await targetRows(ctx.db, table)).toEqual([]);
      worker = await start();
    } finally {
      await holder.query('SELECT pg_advisory_unlock(hashtext($1))', [`etl:${table}`]);
      holder.release();
    }
    const result = (await handle.result()) as EtlTableResult;
    await killWorkerProcess(worker);
    await expectComplete(table, rows, result);
  }, 120_000);

  it('completes after the database is cut off while pages are being staged', async () => {
    const table = 'operation_data';
    const rows = sourceRowsFor(table, 4);
    await insertSourceRows(ctx.source, table, rows);
    const url = new URL(ctx.databaseUrl.reveal());
    const proxy = await startFaultyProxy(Number(url.port));
    url.port = String(proxy.port);
    const db = createDatabase({ url: new Secret(url.toString()), max: 4 });
    const taskQueue = ctx.uniqueQueue('etl-db-cut');
    try {
      const activities = withFailureMapping(createEtlActivities({ config: ctx.config, db }));
      const result = await ctx.withWorkers([{ taskQueue, activities }], async () => {
        const handle = await ctx.client.workflow.start('etlTable', {
          taskQueue,
          workflowId: `etl-table/${table}/incremental/db-cut-${taskQueue}`,
          args: [{ table, timeZone: ZONE, pageSize: 10, heartbeatTimeout: '5 seconds' }],
          typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
        });
        await waitFor(async () => (await pagesStaged(ctx.db, handle.firstExecutionRunId)) >= 3, 'pages staged');
        proxy.down();
        await sleep(3_000);
        proxy.up();
        return (await handle.result()) as EtlTableResult;
      });
      expect(result.extract.requeried).toBe(0);
      await expectComplete(table, rows, result);
    } finally {
      await db.close();
      await proxy.close();
    }
  }, 120_000);

  it('completes after the BigQuery emulator is killed and restarted mid-extract', async () => {
    const table = 'dashboard_data';
    const rows = sourceRowsFor(table, 8);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'etl-emulator-'));
    const binary = await ensureTool('bigquery-emulator');
    const [port, grpcPort] = [await freePort(), await freePort()];
    let emulator: ManagedProcess = await startBigQueryEmulator(binary, dataDir, port, grpcPort);
    const config = { ...ctx.config, bigquery: { ...ctx.config.bigquery, apiEndpoint: `http://127.0.0.1:${port}` } };
    const source = createBigQuerySource(config.bigquery);
    await ensureDataset(source);
    await createSourceTable(source, requireTable(table));
    await insertSourceRows(source, table, rows);
    const taskQueue = ctx.uniqueQueue('etl-emulator-restart');
    try {
      const activities = withFailureMapping(createEtlActivities({ config, db: ctx.db }));
      const result = await ctx.withWorkers([{ taskQueue, activities }], async () => {
        const handle = await ctx.client.workflow.start('etlTable', {
          taskQueue,
          workflowId: `etl-table/${table}/incremental/emulator-restart-${taskQueue}`,
          args: [{ table, timeZone: ZONE, pageSize: 5, heartbeatTimeout: '5 seconds' }],
          typedSearchAttributes: [{ key: PIPELINE, value: 'etl' }],
        });
        await waitFor(async () => (await pagesStaged(ctx.db, handle.firstExecutionRunId)) >= 3, 'pages staged');
        await emulator.stop(0);
        await sleep(1_000);
        emulator = await startBigQueryEmulator(binary, dataDir, port, grpcPort);
        return (await handle.result()) as EtlTableResult;
      });
      await expectComplete(table, rows, result, source);
    } finally {
      await emulator.stop(0);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
