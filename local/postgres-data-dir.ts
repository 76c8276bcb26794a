import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reachableDirectory, userCan, type PostgresUser } from './postgres-user';

/**
 * Where the cluster given as `dataDir` really lives. As root, PostgreSQL runs as `user`, who must
 * reach it: when it cannot (`.data/` of a checkout under /root, mode 700), the data lives in a
 * directory of its own outside, and `dataDir` becomes a symlink to it, so a second start finds
 * the same cluster and `ls -l` shows where it is.
 */
export function reachableDataDir(dataDir: string, user: PostgresUser | undefined): string {
  if (!user) return dataDir;
  const existing = lstatSync(dataDir, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) return linkedDataDir(dataDir, user);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (userCan(user, '-x', path.dirname(dataDir))) return dataDir;
  if (existing) {
    // An empty directory is what a start that failed on this before leaves: nothing to keep.
    if (!existing.isDirectory() || readdirSync(dataDir).length > 0) throw new UnreachableClusterError(dataDir, user);
    rmdirSync(dataDir);
  }
  const home = reachableDirectory(user, dataCandidates(), `the data directory ${dataDir}`);
  // Named after the path it replaces, so an operator listing the directory knows whose it is.
  const slug = dataDir
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(-60);
  const outside = mkdtempSync(path.join(home, `${slug}-`));
  symlinkSync(outside, dataDir);
  return outside;
}

/** A symlink made by an earlier start; recreated if its target was removed (a fresh cluster). */
function linkedDataDir(dataDir: string, user: PostgresUser): string {
  const target = path.resolve(path.dirname(dataDir), readlinkSync(dataDir));
  if (existsSync(target)) {
    if (!userCan(user, '-x', path.dirname(target))) throw new UnreachableClusterError(target, user);
  } else {
    reachableDirectory(user, [path.dirname(target)], `the data directory ${dataDir}`);
    mkdirSync(target, { mode: 0o700 });
  }
  return target;
}

function dataCandidates(): string[] {
  return ['/var/lib/durable-pipelines', path.join(os.tmpdir(), 'durable-pipelines-data')];
}

class UnreachableClusterError extends Error {
  override readonly name = 'UnreachableClusterError';
  constructor(dataDir: string, user: PostgresUser) {
    super(
      `${dataDir} holds PostgreSQL data, but the "${user.name}" user PostgreSQL runs as cannot reach it ` +
        `(a parent directory is private). Move it where "${user.name}" can reach it and leave a symlink ` +
        `(mv ${dataDir} /var/lib/durable-pipelines/ && ln -s /var/lib/durable-pipelines/${path.basename(dataDir)} ${dataDir}), ` +
        `or remove it to start from scratch, or set DATABASE_URL.`,
    );
  }
}
