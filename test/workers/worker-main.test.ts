import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import { createTestContext, type TestContext } from '../harness/context';
import { DECLARED_SCHEDULES_NAMESPACE, harnessValue } from '../harness/env';
import { freePort } from '../harness/ports';

/**
 * `npm run worker` as production runs it: the prebuilt workflow bundle of `npm run build`, only
 * the task queues of WORKER_TASK_QUEUES, Prometheus metrics, and a clean stop on SIGTERM.
 */
// Bounds for a loaded machine, where bundling and a worker's start under tsx take tens of seconds.
jest.setTimeout(240_000);

const root = path.resolve(__dirname, '..', '..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'worker-main-'));
const bundlePath = path.join(scratch, 'workflow-bundle.js');
let ctx: TestContext;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  // workers/main.ts applies every declared schedule: in a namespace of its own (env.ts).
  ctx = await createTestContext({ TEMPORAL_NAMESPACE: DECLARED_SCHEDULES_NAMESPACE });
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/bundle-workflows.ts', bundlePath], {
    cwd: root,
  });
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
  await ctx.close();
});

it('serves its task queues from the prebuilt bundle and stops cleanly on SIGTERM', async () => {
  const metricsPort = await freePort();
  let output = '';
  worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: ctx.databaseUrl.reveal(),
      TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
      TEMPORAL_NAMESPACE: DECLARED_SCHEDULES_NAMESPACE,
      WORKER_TASK_QUEUES: 'platform',
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      WORKFLOW_BUNDLE_PATH: bundlePath,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => worker!.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not running within 120 s:\n${output}`)), 120_000);
    worker!.stdout?.on('data', () => output.includes('workers running') && (clearTimeout(timer), resolve()));
    void exited.then((code) => reject(new Error(`worker exited (${code}):\n${output}`)));
  });

  const handle = await ctx.client.workflow.start('platformCanary', {
    taskQueue: 'platform',
    workflowId: `worker-main-${path.basename(scratch)}`,
    args: [{ timeZone: 'America/Santiago' }],
    typedSearchAttributes: [
      { key: PIPELINE, value: 'platform' },
      { key: TRIGGERED_BY, value: 'api' },
    ],
  });
  await expect(handle.result()).resolves.toMatchObject({ recorded: true });
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/temporal_workflow_completed\S* \d+/);

  worker.kill('SIGTERM');
  await expect(exited).resolves.toBe(0);
  expect(output).toContain('workers stopped');
});
