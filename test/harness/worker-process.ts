import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { harnessValue } from './env';
import { freePort } from './ports';

export interface WorkerProcessOptions {
  databaseUrl: string;
  taskQueue: string;
  /** Which activities it serves (test/fixtures/worker-process.ts). @default 'drill' */
  activities?: 'drill' | 'metrics' | 'cv' | 'etl' | 'telemetry' | 'compliance';
  /** More configuration for the worker (e.g. `CV_BASE_URL` and credentials). */
  env?: Record<string, string>;
}

/**
 * Starts `test/fixtures/worker-process.ts` in its own process, so a test can SIGKILL it, and
 * waits until it polls. `children` collects it for the test's clean-up.
 */
export async function startWorkerProcess(
  options: WorkerProcessOptions,
  children: ChildProcess[],
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(__dirname, '..', 'fixtures', 'worker-process.ts')],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: options.databaseUrl,
        TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
        TASK_QUEUE: options.taskQueue,
        WORKER_ACTIVITIES: options.activities ?? 'drill',
        WORKFLOW_BUNDLE_PATH: harnessValue('workflowBundle'),
        METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}): ${stderr}`)));
  });
  return child;
}

/** SIGKILLs a worker process and waits until it is gone (at once if it already is). */
export async function killWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
