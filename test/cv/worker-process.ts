import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { harnessValue } from '../harness/env';
import { freePort } from '../harness/ports';
import { CV_DEMO_CREDENTIALS } from '../../local/simulators/cv';

/** Starts `test/fixtures/cv-worker-process.ts` in its own process and waits until it polls. */
export async function startCvWorkerProcess(options: {
  taskQueue: string;
  databaseUrl: string;
  cvBaseUrl: string;
  env?: Record<string, string>;
  onStdout?: (line: string) => void;
}): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(__dirname, '..', 'fixtures', 'cv-worker-process.ts')],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: options.databaseUrl,
        TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
        CV_BASE_URL: options.cvBaseUrl,
        CV_USERNAME: CV_DEMO_CREDENTIALS.username,
        CV_PASSWORD: CV_DEMO_CREDENTIALS.password,
        TASK_QUEUE: options.taskQueue,
        WORKFLOW_BUNDLE_PATH: harnessValue('workflowBundle'),
        METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      for (const line of text.split('\n').filter(Boolean)) options.onStdout?.(line);
      if (text.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`cv worker process exited (${code}): ${stderr}`)));
  });
  return child;
}

export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
