import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DASHBOARD_DATA, ETL_TABLES } from '../lib/etl/registry';
import type { EtlTableResult } from '../workflows/etl';
import { createEtlTestContext, type EtlTestContext } from '../test/etl/harness';
import { harnessValue } from '../test/harness/env';
import { freePort } from '../test/harness/ports';

/**
 * Writes `count` distinct dashboard_data rows into the emulator with one INSERT … SELECT over
 * GENERATE_ARRAY (insertAll of demo rows slows to minutes per 20k rows as the emulator fills):
 * 1,200 keys a day, days back from today.
 */
export async function seedDashboardSource(ctx: EtlTestContext, count: number): Promise<void> {
  const columns = DASHBOARD_DATA.columns.map((c) => c.name).join(', ');
  await ctx.source.client.query({
    query: `INSERT INTO \`${ctx.source.projectId}.${ctx.dataset}.${DASHBOARD_DATA.name}\` (${columns})
      SELECT DATE_SUB(CURRENT_DATE(), INTERVAL DIV(n, 1200) DAY), CONCAT('A', CAST(MOD(n, 20) AS STRING)),
        CONCAT('C', CAST(MOD(DIV(n, 20), 20) AS STRING)), CONCAT('S', CAST(DIV(MOD(n, 1200), 400) AS STRING)),
        100 + MOD(n, 1200), 90 + MOD(n, 1200), CAST(n AS NUMERIC) + NUMERIC '0.123456789', NUMERIC '1000.5',
        NUMERIC '12.25', MOD(n, 7), 0.5, 0.25, MOD(n, 2) = 0, CURRENT_TIMESTAMP()
      FROM UNNEST(GENERATE_ARRAY(0, ${Math.trunc(count) - 1})) AS n`,
  });
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, from Linux /proc. */
async function memoryOf(pid: number): Promise<{ peak: number; current: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb('VmHWM'), current: kb('VmRSS') };
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.resolve(__dirname, '..', 'dist', 'workers', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('workers running')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it ran`)));
  });
}

/**
 * A full load of `rows` dashboard_data rows from the emulator by the production worker
 * (`node dist/workers/main.js`, WORKER_TASK_QUEUES=etl, the prebuilt bundle), in its own database
 * and dataset: the worker's peak RSS (VmHWM) after the run, its RSS when idle before it, and the
 * run's time. `npm run build` must have run.
 */
export async function workerLoadRss(rows: number, pageSize: number) {
  const ctx = await createEtlTestContext();
  let worker: ChildProcess | undefined;
  try {
    const seedStarted = performance.now();
    await seedDashboardSource(ctx, rows);
    const seedMs = performance.now() - seedStarted;
    worker = await startWorker({
      DATABASE_URL: ctx.databaseUrl.reveal(),
      TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
      BIGQUERY_PROJECT_ID: ctx.source.projectId,
      BIGQUERY_DATASET: ctx.dataset,
      BIGQUERY_API_ENDPOINT: ctx.config.bigquery.apiEndpoint!,
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      WORKER_TASK_QUEUES: 'etl',
      WORKFLOW_BUNDLE_PATH: path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js'),
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    // The worker applied the declared schedules: keep scheduled runs out of the measurement.
    for (const id of [...ETL_TABLES.map((t) => `etl-table-${t.name}`), 'etl-retention'])
      await ctx.client.schedule.getHandle(id).pause('benchmark');
    const idle = await memoryOf(worker.pid!);
    const started = performance.now();
    const result = (await ctx.client.workflow.execute('etlTable', {
      taskQueue: 'etl',
      workflowId: `bench-etl-rss-${ctx.uniqueQueue('run')}`,
      args: [{ table: DASHBOARD_DATA.name, mode: 'force', timeZone: ctx.config.timeZone, pageSize }],
    })) as EtlTableResult;
    const runMs = performance.now() - started;
    const memory = await memoryOf(worker.pid!);
    if (result.merge.inserted !== rows) throw new Error(`loaded ${result.merge.inserted} of ${rows} rows`);
    return { peak: memory.peak, idle: idle.current, runMs, seedMs, pages: result.extract.pages };
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await ctx.close();
  }
}
