import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandLineOf, runDirOf, stopOrphans, type PidRecord } from '../../local/pid-records';
import { removeStaleLockFile } from '../../local/postgres';

/**
 * What the next `npm start` finds after a stack was killed outright: servers still running with
 * their records under `<dataDir>/run`, and PostgreSQL's `postmaster.pid`. Real processes, no servers.
 */
jest.setTimeout(60_000);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pid-records-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

/** A long-running process in its own group, like the stack's servers. */
function startIdle(program = process.execPath, args = ['-e', 'setInterval(() => {}, 1000)']): ChildProcess {
  const child = spawn(program, args, { detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** A pid that ran a process and is free again. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout);
}

function record(dataDir: string, name: string, fields: Partial<PidRecord> & { pid: number }): void {
  const runDir = runDirOf(dataDir);
  mkdirSync(runDir, { recursive: true });
  const full: PidRecord = {
    command: commandLineOf(fields.pid) ?? ['gone'],
    owner: deadPid(),
    ownerCommand: [process.execPath, 'local/start.ts'],
    stopSignal: 'SIGTERM',
    ...fields,
  };
  writeFileSync(path.join(runDir, `${name}.json`), JSON.stringify(full));
}

describe('stopOrphans', () => {
  it('stops a server whose stack was killed, and forgets it', async () => {
    const dataDir = mkdtempSync(path.join(scratch, 'data-'));
    const orphan = startIdle();
    record(dataDir, 'temporal', { pid: orphan.pid! });
    const lines: string[] = [];
    expect(await stopOrphans(dataDir, (line) => lines.push(line))).toEqual(['temporal']);
    await exited(orphan);
    expect(orphan.signalCode).toBe('SIGTERM');
    expect(lines.join('\n')).toContain(`stopping temporal (pid ${orphan.pid})`);
    expect(readdirSync(runDirOf(dataDir))).toEqual([]);
  });

  it('kills one that ignores its stop signal once the grace period is over', async () => {
    const dataDir = mkdtempSync(path.join(scratch, 'data-'));
    const stubborn = spawn(
      process.execPath,
      ['-e', "process.on('SIGTERM', () => {}); process.stdout.write('ready'); setInterval(() => {}, 1000)"],
      { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    started.push(stubborn);
    // Its handler is installed before the stop signal is sent: on a loaded machine, a SIGTERM that
    // arrived before node had run that line killed it, and the test saw SIGTERM instead of SIGKILL.
    await new Promise((resolve) => stubborn.stdout!.once('data', resolve));
    record(dataDir, 'bigquery-emulator', { pid: stubborn.pid! });
    expect(await stopOrphans(dataDir, () => {}, 500)).toEqual(['bigquery-emulator']);
    await exited(stubborn);
    expect(stubborn.signalCode).toBe('SIGKILL');
  });

  it('leaves alone a pid now running another program, and a stack that still runs', async () => {
    const dataDir = mkdtempSync(path.join(scratch, 'data-'));
    const other = startIdle();
    record(dataDir, 'postgres', { pid: other.pid!, command: ['/usr/lib/postgresql/bin/postgres', '-D', dataDir] });
    const owner = startIdle();
    const served = startIdle();
    record(dataDir, 'temporal', { pid: served.pid!, owner: owner.pid!, ownerCommand: commandLineOf(owner.pid!) });

    expect(await stopOrphans(dataDir)).toEqual([]);
    expect(commandLineOf(other.pid!)).toBeDefined();
    expect(commandLineOf(served.pid!)).toBeDefined();
    // The recycled pid's record is dropped; the live stack's is kept.
    expect(readdirSync(runDirOf(dataDir))).toEqual(['temporal.json']);
  });

  it('drops a record half-written by a killed stack', async () => {
    const dataDir = mkdtempSync(path.join(scratch, 'data-'));
    mkdirSync(runDirOf(dataDir));
    writeFileSync(path.join(runDirOf(dataDir), 'postgres.json'), '{"pid": 12');
    expect(await stopOrphans(dataDir)).toEqual([]);
    expect(readdirSync(runDirOf(dataDir))).toEqual([]);
  });
});

describe('removeStaleLockFile', () => {
  const dataDir = mkdtempSync(path.join(scratch, 'postgres-'));
  const lockFile = path.join(dataDir, 'postmaster.pid');
  const lock = (pid: number | string) => writeFileSync(lockFile, `${pid}\n${dataDir}\n1700000000\n54329\n`);

  it('removes postmaster.pid when its pid is gone or runs something else', () => {
    lock(deadPid());
    removeStaleLockFile(dataDir);
    expect(existsSync(lockFile)).toBe(false);
    lock(process.pid);
    removeStaleLockFile(dataDir);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('keeps it while a PostgreSQL runs under that pid', async () => {
    const fakePostgres = path.join(scratch, 'postgres');
    copyFileSync('/bin/sleep', fakePostgres); // a program named postgres
    const postgres = startIdle(fakePostgres, ['30']);
    await new Promise((resolve) => postgres.once('spawn', resolve));
    lock(postgres.pid!);
    removeStaleLockFile(dataDir);
    expect(existsSync(lockFile)).toBe(true);
  });
});
