import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canConnect } from '../../local/processes';
import { createTestContext } from '../harness/context';
import { freePort } from '../harness/ports';

/**
 * `npm start` end to end, as an operator runs it: a fresh data directory, every service local,
 * then Ctrl-C, then a second start that reuses the data. Ports are free ones so the test never
 * meets a developer's running stack.
 */
jest.setTimeout(240_000);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pipelines-start-'));
chmodSync(dataDir, 0o755); // PostgreSQL runs as the unprivileged postgres user when we are root
const PORT_NAMES = ['api', 'postgres', 'temporal', 'ui', 'simulators', 'bigquery', 'metrics'] as const;
let ports: Record<(typeof PORT_NAMES)[number], number>;
let stack: ChildProcess | undefined;

beforeAll(async () => {
  const entries = await Promise.all(PORT_NAMES.map(async (name) => [name, await freePort()] as const));
  ports = Object.fromEntries(entries) as typeof ports;
});
afterAll(() => {
  if (stack?.pid && stack.exitCode === null) process.kill(-stack.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function startStack(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; output: () => string }> {
  const env: NodeJS.ProcessEnv = {
    ...extraEnv,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
    PIPELINES_TOOLS_DIR: process.env.PIPELINES_TOOLS_DIR,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    API_PORT: String(ports.api),
    LOCAL_POSTGRES_PORT: String(ports.postgres),
    LOCAL_TEMPORAL_PORT: String(ports.temporal),
    LOCAL_TEMPORAL_UI_PORT: String(ports.ui),
    SIMULATORS_PORT: String(ports.simulators),
    BIGQUERY_EMULATOR_PORT: String(ports.bigquery),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.metrics}`,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../local/start.ts')], {
    env,
    detached: true, // its own process group, like a terminal's foreground job
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack = child;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 180 s:\n${output}`)), 180_000);
    child.stdout?.on('data', () => {
      if (output.includes('local stack ready')) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
}

/** Ctrl-C in a terminal: SIGINT to the whole foreground process group. */
async function pressCtrlC(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGINT');
  return exited;
}

const api = (route: string, key?: string) =>
  fetch(`http://127.0.0.1:${ports.api}${route}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

/**
 * `/health` once it says ok, or its last answer after 20 s: just after a (re)start on a loaded
 * machine, describing every schedule can miss the check's 2 s deadline for a moment.
 */
async function healthySoon(): Promise<unknown> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await api('/health');
    const body = (await response.json()) as { status: string };
    if ((response.status === 200 && body.status === 'ok') || Date.now() > deadline) return body;
    await sleep(500);
  }
}

describe('npm start', () => {
  it('runs the whole system, prints one banner, and stops cleanly on Ctrl-C', async () => {
    const { child, output } = await startStack();
    const key = readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim();
    expect(statSync(path.join(dataDir, 'dev-api-key')).mode & 0o777).toBe(0o600);
    expect(output()).toContain(`API key`);
    expect(output()).toContain(key);
    expect(output()).toContain(`http://localhost:${ports.ui}`);

    expect(await healthySoon()).toMatchObject({ status: 'ok' });
    expect((await api('/api/v1/schedules')).status).toBe(401);
    const schedules = await api('/api/v1/schedules', key);
    expect(schedules.status).toBe(200);
    expect(JSON.stringify(await schedules.json())).toContain('platform-canary');
    const malformed = await api('/api/v1/runs?limit=abc', key);
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.simulators}/health`)).status).toBe(200);

    expect(await pressCtrlC(child)).toBe(0);
    for (const port of Object.values(ports)) expect(await canConnect('127.0.0.1', port)).toBe(false);
  });

  it('reuses the data directory on a second start', async () => {
    const key = readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim();
    const { child, output } = await startStack();
    expect(output()).toContain(key);
    expect(await healthySoon()).toMatchObject({ status: 'ok' });
    expect(JSON.stringify(await (await api('/api/v1/schedules', key)).json())).toContain('platform-canary');
    expect(await pressCtrlC(child)).toBe(0);
  });

  it('uses an external PostgreSQL when DATABASE_URL is set', async () => {
    const ctx = await createTestContext();
    try {
      await ctx.db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public'); // as a new, empty database
      const { child, output } = await startStack({ DATABASE_URL: ctx.databaseUrl.reveal() });
      expect(output()).toMatch(/PostgreSQL\s+postgres:\/\/\S+ \(external\)/);
      expect(output()).not.toContain(new URL(ctx.databaseUrl.reveal()).password);
      expect(await healthySoon()).toMatchObject({ status: 'ok' });
      // Migrated by npm start, and nothing listens on the embedded port.
      expect((await ctx.db.query("SELECT to_regclass('platform_canary') AS t")).rows[0]?.t).toBe('platform_canary');
      expect(await canConnect('127.0.0.1', ports.postgres)).toBe(false);
      expect(await pressCtrlC(child)).toBe(0);
    } finally {
      await ctx.close();
    }
  });
});
