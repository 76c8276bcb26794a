import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../harness/ports';

/**
 * `npm run worker` misconfigured: one line on stderr naming the variable to fix, exit status 2,
 * and nothing done before (no migration, no schedule): the database and Temporal given here are
 * unreachable, so a worker that touched them first would fail with their error instead.
 */
// Bounds for a loaded machine, where loading workers/main.ts under tsx alone can take tens of seconds.
jest.setTimeout(180_000);

const root = path.resolve(__dirname, '..', '..');

function runWorker(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker still running after 120 s:\n${stdout}${stderr}`));
    }, 120_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, stdout });
    });
  });
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

it('without DATABASE_URL: one line naming it, no stack trace', async () => {
  const { status, stderr, stdout } = await runWorker({});
  expect(status).toBe(2);
  expect(stdout).toBe('');
  expect(lines(stderr)).toHaveLength(1);
  expect(stderr).toContain('DATABASE_URL');
  expect(stderr).not.toMatch(/\n\s+at /);
});

it('a second worker on the host: one line naming WORKER_METRICS_ADDRESS, before any side effect', async () => {
  const firstWorker = net.createServer();
  await new Promise<void>((resolve) => firstWorker.listen(0, '127.0.0.1', resolve));
  const { port } = firstWorker.address() as net.AddressInfo;
  try {
    const { status, stderr, stdout } = await runWorker({
      DATABASE_URL: `postgres://nobody:nothing@127.0.0.1:${await freePort()}/unreachable`,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${port}`,
    });
    expect(status).toBe(2);
    expect(stdout).toBe(''); // not even a migration's log line
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain(`WORKER_METRICS_ADDRESS=127.0.0.1:${port} is already in use`);
  } finally {
    firstWorker.close();
  }
});
