import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';

/**
 * PostgreSQL refuses to run as root, so as root the local stack and the tests run it as the
 * unprivileged `postgres` user, who must reach its binaries and its data directory.
 */
export interface PostgresUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const USER = 'postgres';
const WHAT_TO_DO = 'run as an ordinary user, or set DATABASE_URL to a PostgreSQL of your own';

/** The user PostgreSQL runs as: none (ourselves) unless we are root; created if missing. */
export function postgresUser(): PostgresUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return findUser() ?? createUser();
}

function findUser(): PostgresUser | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { name: USER, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

function createUser(): PostgresUser {
  try {
    const groupExists = spawnSync('getent', ['group', USER], { stdio: 'ignore' }).status === 0;
    if (!groupExists) execFileSync('groupadd', ['--system', USER], { stdio: 'pipe' });
    execFileSync('useradd', ['--system', '--gid', USER, '--no-create-home', USER], { stdio: 'pipe' });
  } catch (error) {
    const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    throw new Error(
      `PostgreSQL refuses to run as root, and there is no "${USER}" user to run it as; creating one failed ` +
        `(${reason}). Create it (useradd --system --user-group ${USER}), or ${WHAT_TO_DO}.`,
    );
  }
  const user = findUser();
  if (!user) throw new Error(`the "${USER}" user was created but cannot be found; ${WHAT_TO_DO}`);
  return user;
}

/**
 * Whether `user` passes `test <flag> <path>`: access(2) as that user, so the mode and ACL of every
 * parent directory count, not a guess from our own view. Node drops supplementary groups when it
 * switches user, for this check as for PostgreSQL itself, so the answer is the one PostgreSQL gets.
 */
export function userCan(user: PostgresUser, flag: '-r' | '-w' | '-x', file: string): boolean {
  const check = spawnSync('/bin/sh', ['-c', `test ${flag} "$1"`, 'sh', file], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    stdio: 'ignore',
  });
  return check.status === 0;
}

/**
 * The first of `candidates` that exists or can be created, belongs to us, is writable by no one
 * else (what we put there runs as `user`), and that `user` can enter. Fails with every reason.
 */
export function reachableDirectory(user: PostgresUser, candidates: readonly string[], purpose: string): string {
  const reasons: string[] = [];
  for (const dir of candidates) {
    const reason = unusableBecause(user, dir);
    if (reason === undefined) return dir;
    reasons.push(`${dir}: ${reason}`);
  }
  throw new Error(
    `the "${user.name}" user PostgreSQL runs as cannot reach ${purpose}, and there is no place it can reach ` +
      `to keep them (${reasons.join('; ')}). Make one of these directories reachable by "${user.name}" ` +
      `(owned by root, mode 755 up to /), or ${WHAT_TO_DO}.`,
  );
}

function unusableBecause(user: PostgresUser, dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) return 'not a directory';
    if (stat.uid !== process.getuid?.()) return `owned by uid ${stat.uid}, not by us`;
    if (stat.mode & 0o022) return 'writable by others';
    if ((stat.mode & 0o005) !== 0o005) chmodSync(dir, 0o755); // ours, made under a strict umask
  } catch (error) {
    return (error as Error).message;
  }
  return userCan(user, '-x', dir) ? undefined : `"${user.name}" cannot enter it or a parent directory`;
}
