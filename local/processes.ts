import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removePidRecord, writePidRecord } from './pid-records';

/**
 * The local stack's child processes. Each runs in its own process group, so a Ctrl-C in the
 * terminal reaches only `npm start`, which then stops the workers and the API before the
 * servers they talk to. Nothing outlives the parent: `exit` kills the rest; where the parent
 * cannot run its `exit` (SIGKILL), Linux's parent-death signal (`setpriv --pdeathsig`) stops each
 * server, and elsewhere the pid records under `<dataDir>/run` let the next start stop them.
 */
const children = new Set<ChildProcess>();

/** util-linux's setpriv, where there is one: the kernel then signals the server when we die. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

process.on('exit', () => {
  for (const child of children) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export interface ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  /** Resolves when the process exits for any reason. */
  readonly exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** The signal that asks for a clean stop. */
  stopSignal?: NodeJS.Signals;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  logDir: string,
  { uid, gid, stopSignal = 'SIGTERM' }: StartProcessOptions = {},
): ManagedProcess {
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  // setpriv sets the death signal after the uid change (which would clear it), then execs the server.
  const [program, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', stopSignal, '--', command, ...args]] : [command, args];
  const child = spawn(program, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], uid, gid });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  children.add(child);
  // Beside the logs: `<dataDir>/logs` → `<dataDir>/run`.
  const runDir = path.join(path.dirname(logDir), 'run');
  if (child.pid !== undefined)
    writePidRecord(runDir, name, { pid: child.pid, command: [command, ...args], stopSignal });
  const forget = () => {
    children.delete(child);
    removePidRecord(runDir, name);
  };
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      forget();
      resolve(code);
    });
    child.on('error', () => {
      forget();
      resolve(null);
    });
  });
  return {
    name,
    logFile,
    exited,
    async stop(graceMs = 10_000) {
      killGroup(child, stopSignal);
      const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs, true, { ref: false })]);
      if (timedOut) killGroup(child, 'SIGKILL');
      await exited;
    },
  };
}

/** Waits until something accepts TCP connections on host:port, or fails if `process` exits first. */
export async function waitForPort(host: string, port: number, process: ManagedProcess, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void process.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${process.name} exited during start-up; see ${process.logFile}`);
    if (await canConnect(host, port)) return;
    await sleep(200);
  }
  throw new Error(
    `${process.name} did not listen on ${host}:${port} within ${timeoutMs / 1000}s; see ${process.logFile}`,
  );
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Fails fast when a port is taken, typically by a stack left running: waiting for the port would
 * otherwise "succeed" against the old server while the new one fails to bind.
 */
export async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  if (await canConnect('127.0.0.1', port)) {
    throw new Error(
      `${what}: port ${port} is already in use (another stack still running?). Stop it or set ${variable}.`,
    );
  }
}
