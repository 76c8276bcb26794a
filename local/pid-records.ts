import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One file per server the local stack started (`<dataDir>/run/<name>.json`): its pid, the
 * command it runs and the pid of the process that started it. A stack killed with SIGKILL cannot
 * stop its servers; the next start reads these records and stops the ones whose owner is gone.
 */
export interface PidRecord {
  pid: number;
  command: string[];
  owner: number;
  ownerCommand: string[] | undefined;
  stopSignal: NodeJS.Signals;
}

export function runDirOf(dataDir: string): string {
  return path.join(dataDir, 'run');
}

export function writePidRecord(runDir: string, name: string, record: Omit<PidRecord, 'owner' | 'ownerCommand'>) {
  mkdirSync(runDir, { recursive: true });
  const full: PidRecord = { ...record, owner: process.pid, ownerCommand: commandLineOf(process.pid) };
  writeFileSync(path.join(runDir, `${name}.json`), `${JSON.stringify(full)}\n`);
}

export function removePidRecord(runDir: string, name: string): void {
  rmSync(path.join(runDir, `${name}.json`), { force: true });
}

/** The argv of a running process, or undefined when there is none (Linux /proc, else `ps`). */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.length > 0 ? raw.replace(/\0$/, '').split('\0') : undefined;
  } catch {
    // no /proc (macOS), or no such process
  }
  try {
    const args = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return args ? args.split(' ') : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` still runs `command` (a pid recycled by another program does not count). */
function runs(pid: number, command: readonly string[] | undefined): boolean {
  const actual = commandLineOf(pid);
  if (!actual || !command || command.length === 0) return false;
  // `ps` splits on spaces, /proc does not: the program and the first argument are enough.
  return actual[0] === command[0] && (command.length < 2 || actual.join(' ').includes(command[1]!));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal); // not a group leader, or already gone
    } catch {
      // gone
    }
  }
}

async function waitForExit(pid: number, command: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (runs(pid, command)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Stops the servers a previous stack on this data directory left running (it was killed before it
 * could stop them), each with its own clean-stop signal, then SIGKILL after `graceMs`. Records of a
 * stack still running are left alone: its ports stay taken and the start says so.
 */
export async function stopOrphans(
  dataDir: string,
  log: (message: string) => void = () => {},
  graceMs = 15_000,
): Promise<string[]> {
  const runDir = runDirOf(dataDir);
  let files: string[];
  try {
    files = readdirSync(runDir).filter((file) => file.endsWith('.json'));
  } catch {
    return [];
  }
  const stopped: string[] = [];
  await Promise.all(
    files.map(async (file) => {
      const name = path.basename(file, '.json');
      let record: PidRecord;
      try {
        record = JSON.parse(readFileSync(path.join(runDir, file), 'utf8')) as PidRecord;
      } catch {
        return removePidRecord(runDir, name); // half-written by a killed stack
      }
      if (record.owner !== process.pid && runs(record.owner, record.ownerCommand)) return;
      if (runs(record.pid, record.command)) {
        log(`stopping ${name} (pid ${record.pid}), left running by a stack that was killed`);
        signalGroup(record.pid, record.stopSignal);
        if (!(await waitForExit(record.pid, record.command, graceMs))) {
          signalGroup(record.pid, 'SIGKILL');
          await waitForExit(record.pid, record.command, 5_000);
        }
        stopped.push(name);
      }
      removePidRecord(runDir, name);
    }),
  );
  return stopped;
}
