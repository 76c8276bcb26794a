import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A lock directory in the tools cache, so two clones (or `npm start` and `npm test`) that need
 * the same tool build it once: the second waits, then reuses the first's binary. `mkdir` is atomic;
 * a lock whose owner died on this host (a killed build) is taken over.
 */
interface LockOwner {
  pid: number;
  host: string;
}

function readOwner(lockDir: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path.join(lockDir, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock nobody holds any more: its owner died here, or it never wrote its name (a minute on). */
function isStale(lockDir: string): boolean {
  const owner = readOwner(lockDir);
  if (owner) return owner.host === os.hostname() && !isAlive(owner.pid);
  const since = statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
  return since !== undefined && Date.now() - since > 60_000;
}

export interface BuildLockOptions {
  /** Said once when another process holds the lock. */
  onWait?: (owner: LockOwner | undefined) => void;
  pollMs?: number;
}

export async function withBuildLock<T>(
  lockDir: string,
  build: () => Promise<T>,
  { onWait = () => {}, pollMs = 1_000 }: BuildLockOptions = {},
): Promise<T> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, host: os.hostname() }));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (isStale(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!waited) onWait(readOwner(lockDir));
      waited = true;
      await sleep(pollMs);
    }
  }
  try {
    return await build();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
