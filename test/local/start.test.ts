import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandLineOf, runDirOf, type PidRecord } from '../../local/pid-records';
import { canConnect } from '../../local/processes';
import { findTool } from '../../local/tools';
import nodemailer from 'nodemailer';
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
const PORT_NAMES = [
  'api',
  'postgres',
  'temporal',
  'ui',
  'simulators',
  'bigquery',
  'metrics',
  'mailWeb',
  'mailSmtp',
] as const;
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

const ROOT = path.resolve(__dirname, '../..');

/**
 * The stack as a terminal runs it (`node local/start.ts` in its own process group), or as a
 * supervisor does (`npm start`, whose one process is the one that gets signals).
 */
function startStack(
  extraEnv: NodeJS.ProcessEnv = {},
  via: 'node' | 'npm' = 'node',
): Promise<{ child: ChildProcess; output: () => string }> {
  const env: NodeJS.ProcessEnv = {
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
    MAILDEV_WEB_PORT: String(ports.mailWeb),
    MAILDEV_SMTP_PORT: String(ports.mailSmtp),
    ...extraEnv,
  };
  const [program, args] =
    via === 'npm' ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', path.join(ROOT, 'local/start.ts')]];
  const child = spawn(program, args, {
    cwd: ROOT,
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

/** The exit of `child` (code, or signal), failing after `ms` rather than hanging the test. */
function exitOf(child: ChildProcess, ms = 90_000): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${ms / 1000} s`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

/** Every server the stack started, as its pid records say (see local/pid-records.ts). */
function pidRecords(): PidRecord[] {
  const runDir = runDirOf(dataDir);
  return readdirSync(runDir).map((file) => JSON.parse(readFileSync(path.join(runDir, file), 'utf8')) as PidRecord);
}

async function portsInUse(): Promise<number[]> {
  const open = await Promise.all(Object.values(ports).map(async (port) => [port, await canConnect('127.0.0.1', port)]));
  return open.filter(([, taken]) => taken).map(([port]) => port as number);
}

/** Polls until no port of the stack is taken, for at most `ms`: a bound, not a speed assertion. */
async function portsFreeWithin(ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const taken = await portsInUse();
    if (taken.length === 0 || Date.now() > deadline) return taken;
    await sleep(500);
  }
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

    // The banner's inbox URL opens the inbox in a browser; the mail the stack receives is in its JSON.
    const inbox = `http://127.0.0.1:${ports.mailWeb}/`;
    expect(output()).toMatch(new RegExp(`Mail inbox\\s+${inbox} `));
    const page = await fetch(inbox, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const subject = `start test ${ports.mailWeb}`;
    await nodemailer
      .createTransport(`smtp://127.0.0.1:${ports.mailSmtp}`)
      .sendMail({ from: 'pipelines@localhost', to: 'ops@example.com', subject, text: 'hello' });
    expect(output()).toContain(`${inbox}api/email`);
    expect(JSON.stringify(await (await fetch(`${inbox}api/email`)).json())).toContain(subject);

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

/**
 * Under a supervisor (systemd, supervisord, a CI runner, an IDE's stop button) the signal goes to
 * the one process `npm start` shows, not to a process group.
 */
describe('npm start under a supervisor', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm alone stops everything in order', async (signal) => {
    const { child, output } = await startStack({}, 'npm');
    expect(await healthySoon()).toMatchObject({ status: 'ok' });
    expect(pidRecords().length).toBeGreaterThanOrEqual(2); // PostgreSQL, Temporal (and the emulator)

    process.kill(child.pid!, signal);
    expect(await exitOf(child)).toBe(0);
    expect(output()).not.toContain('exiting now'); // the orderly stop, not the forced one
    expect(await portsInUse()).toEqual([]);
    expect(readdirSync(runDirOf(dataDir))).toEqual([]);
  });

  it('a SIGKILL of npm: the stack sees its parent gone and stops by itself', async () => {
    const { child } = await startStack({}, 'npm');
    const [server] = pidRecords();
    process.kill(child.pid!, 'SIGKILL');
    expect(await portsFreeWithin(90_000)).toEqual([]);
    expect(await processGone(server!.owner, 30_000)).toBe(true);
  });

  it('a SIGKILL of the stack itself: the next npm start recovers and runs', async () => {
    const first = await startStack({}, 'npm');
    const [server] = pidRecords();
    process.kill(server!.owner, 'SIGKILL'); // local/start.ts: no chance to stop anything
    await exitOf(first.child);

    const { child, output } = await startStack({}, 'npm');
    expect(output()).toContain('local stack ready');
    expect(await healthySoon()).toMatchObject({ status: 'ok' });
    process.kill(child.pid!, 'SIGTERM');
    expect(await exitOf(child)).toBe(0);
    expect(await portsInUse()).toEqual([]);
  });
});

/** Whether `pid` ends within `ms` (a zombie has no command line: it counts as gone). */
async function processGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (commandLineOf(pid) === undefined) return true;
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
}

/**
 * A first start on a machine where the emulator is not built yet: the stack does not wait for the
 * build. A fake `go` "builds" it (a script that runs the real emulator) only when the test says so.
 */
describe('npm start while the BigQuery emulator is being built', () => {
  it('comes up at once, then says when the emulator is ready, seeded', async () => {
    const tools = mkdtempSync(path.join(os.tmpdir(), 'pipelines-tools-'));
    const temporal = findTool('temporal')!;
    const emulator = findTool('bigquery-emulator')!;
    mkdirSync(path.join(tools, 'temporal-v1.5.1'));
    symlinkSync(temporal, path.join(tools, 'temporal-v1.5.1', 'temporal'));
    const bin = path.join(tools, 'bin');
    mkdirSync(bin);
    const release = path.join(tools, 'release');
    const fakeGo = [
      '#!/bin/sh',
      'case "$1" in',
      '  install) exit 1 ;;', // as where the module proxy refuses it: the scratch-module route
      '  mod|get) exit 0 ;;',
      '  build)',
      `    while [ ! -f '${release}' ]; do sleep 0.1; done`,
      `    printf '#!/bin/sh\\nexec %s "$@"\\n' '${emulator}' > "$3/bigquery-emulator"; chmod 755 "$3/bigquery-emulator" ;;`,
      'esac',
      '',
    ].join('\n');
    writeFileSync(path.join(bin, 'go'), fakeGo, { mode: 0o755 });
    try {
      const { child, output } = await startStack({
        PATH: `${bin}:${process.env.PATH}`,
        PIPELINES_TOOLS_DIR: tools,
      });
      expect(output()).toMatch(/BigQuery\s+http:\/\/127\.0\.0\.1:\d+ \(emulator, project local-project\): being built/);
      expect(await canConnect('127.0.0.1', ports.bigquery)).toBe(false);
      expect(await healthySoon()).toMatchObject({ status: 'ok' });

      writeFileSync(release, '');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line within 90 s:\n${output()}`)), 90_000);
        const check = () => {
          if (!output().includes('BigQuery emulator ready')) return;
          clearTimeout(timer);
          resolve();
        };
        child.stdout?.on('data', check);
        check();
      });
      expect(output()).toContain(`BigQuery emulator ready: http://127.0.0.1:${ports.bigquery}`);
      const tables = await fetch(
        `http://127.0.0.1:${ports.bigquery}/bigquery/v2/projects/local-project/datasets/pipelines/tables`,
      );
      expect(JSON.stringify(await tables.json())).toContain('dashboard_data');
      expect(await pressCtrlC(child)).toBe(0);
      expect(await portsInUse()).toEqual([]);
    } finally {
      rmSync(tools, { recursive: true, force: true });
    }
  });
});
