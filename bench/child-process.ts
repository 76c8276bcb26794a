import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Starts a bench helper (a simulator, a worker) in its own process, so it does not share the
 * measured event loop, and waits for the first line of its output matching `waitFor`. The child
 * is added to `children` for the bench's clean-up.
 */
export function spawnChild(
  script: string,
  childEnv: Record<string, string>,
  waitFor: RegExp,
  children: ChildProcess[],
): Promise<[ChildProcess, string]> {
  // Compiled entries run as production runs them, without the TypeScript loader.
  const entry = path.resolve(__dirname, '..', script);
  const child = spawn(process.execPath, script.endsWith('.js') ? [entry] : ['--import', 'tsx', entry], {
    env: { ...process.env, ...childEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((candidate) => waitFor.test(candidate));
      if (line) resolve([child, line]);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before "${waitFor}"`)));
  });
}

/** A simulator process that prints `url <base URL>` once it listens: that URL. */
export async function startSimulatorProcess(
  script: string,
  childEnv: Record<string, string>,
  children: ChildProcess[],
): Promise<string> {
  const [, line] = await spawnChild(script, childEnv, /^url /, children);
  return line.slice(4);
}
