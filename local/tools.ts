import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TOOLS, type ToolName } from './tool-versions';
import { withBuildLock } from './tools-lock';

const run = promisify(execFile);

/**
 * Finds or builds the pinned Go tools. Order: the binary on PATH, then the tools cache
 * (outside the repository, so every clone on the machine shares it), then `go install`
 * into the cache. Without Go, the error says exactly what to install.
 */

export class ToolUnavailableError extends Error {
  override readonly name = 'ToolUnavailableError';
}

export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIPELINES_TOOLS_DIR) return path.resolve(env.PIPELINES_TOOLS_DIR);
  const cacheHome = env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'durable-pipelines', 'tools');
}

function cachedBinary(name: ToolName, env: NodeJS.ProcessEnv): string {
  const tool = TOOLS[name];
  return path.join(toolsCacheDir(env), `${name}-${tool.version}`, tool.binary);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(binary: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The path of an installed tool, or undefined; never builds. */
export function findTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cached = cachedBinary(name, env);
  return onPath(TOOLS[name].binary, env) ?? (isExecutable(cached) ? cached : undefined);
}

export interface EnsureToolOptions {
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
  /** How often a build in progress says so (a first emulator build takes minutes). */
  progressEveryMs?: number;
}

/**
 * The path of the tool, building it with Go first if needed (once per machine: a lock in the
 * cache makes a concurrent caller wait and reuse the build). Throws ToolUnavailableError.
 */
export async function ensureTool(
  name: ToolName,
  { env = process.env, log = () => {}, progressEveryMs = 15_000 }: EnsureToolOptions = {},
) {
  const found = findTool(name, env);
  if (found) return found;
  const tool = TOOLS[name];
  const target = cachedBinary(name, env);
  const go = onPath('go', env);
  if (!go) {
    throw new ToolUnavailableError(
      `${tool.binary} ${tool.version} is not installed. Install Go (https://go.dev/dl/) and run \`npm run tools\`, ` +
        `or put ${tool.binary} on PATH: go install ${tool.package}@${tool.version}`,
    );
  }
  const onWait = (owner: { pid: number } | undefined) =>
    log(
      `${tool.binary} ${tool.version} is being built by another process (pid ${owner?.pid ?? '?'}); waiting to reuse it`,
    );
  return withBuildLock(
    `${path.dirname(target)}.lock`,
    async () => {
      if (isExecutable(target)) {
        log(`${tool.binary} ${tool.version} built by the other process: ${target}`);
        return target;
      }
      return buildTool(name, go, target, env, log, progressEveryMs);
    },
    { onWait },
  );
}

async function buildTool(
  name: ToolName,
  go: string,
  target: string,
  env: NodeJS.ProcessEnv,
  log: (message: string) => void,
  progressEveryMs: number,
): Promise<string> {
  const tool = TOOLS[name];
  const started = Date.now();
  log(
    `building ${tool.binary} ${tool.version} with Go into ${path.dirname(target)}: once per machine (every clone ` +
      `reuses it), a few minutes; progress every ${Math.round(progressEveryMs / 1000)} s`,
  );
  const progress = setInterval(
    () => log(`still building ${tool.binary} ${tool.version}: ${elapsed(started)} so far (once per machine)`),
    progressEveryMs,
  );
  progress.unref();
  // Build into a scratch directory and rename, so a concurrent or interrupted build never
  // leaves a half-written binary where findTool would pick it up.
  mkdirSync(path.dirname(target), { recursive: true });
  const scratch = mkdtempSync(path.join(path.dirname(target), '.build-'));
  // Both tools are pure Go (the emulator's SQLite and SQL engine are compiled to Go): no C toolchain needed.
  const goEnv = { ...env, GOBIN: scratch, CGO_ENABLED: '0' };
  let installError: unknown;
  try {
    try {
      await run(go, ['install', `${tool.package}@${tool.version}`], { env: goEnv, cwd: scratch, maxBuffer: 64 << 20 });
    } catch (error) {
      // `go install pkg@version` also asks the proxy for the module's version list (to warn
      // about deprecation); where that list is refused, building the same pinned version from a
      // throwaway module needs only the version itself. A normal route, not an error.
      installError = error;
      log(`building ${tool.binary} ${tool.version} from a scratch module (go get + go build of the pinned version)`);
      await buildInScratchModule(go, tool.package, tool.version, scratch, goEnv);
    }
    renameSync(path.join(scratch, tool.binary), target);
  } catch (error) {
    const before = installError === undefined ? '' : `go install: ${firstLine(installError)}; then `;
    throw new ToolUnavailableError(`could not build ${tool.binary} ${tool.version}: ${before}${stderrOf(error)}`);
  } finally {
    clearInterval(progress);
    rmSync(scratch, { recursive: true, force: true });
  }
  log(`${tool.binary} ready after ${elapsed(started)}: ${target}`);
  return target;
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

async function buildInScratchModule(
  go: string,
  pkg: string,
  version: string,
  scratch: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const options = { env, cwd: scratch, maxBuffer: 64 << 20 };
  await run(go, ['mod', 'init', 'pipelines-tools-build'], options);
  // `go get` of the package (not the module root) records every module its imports need.
  await run(go, ['get', `${pkg}@${version}`], options);
  await run(go, ['build', '-o', scratch, pkg], options);
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr;
  return (stderr?.trim() || (error as Error).message).split('\n').slice(-15).join('\n');
}

function firstLine(error: unknown): string {
  return (
    stderrOf(error)
      .split('\n')
      .find((line) => line.trim()) ?? 'unknown error'
  );
}

/** `npm run tools`: provides both tools; only the Temporal CLI is required. */
async function main(): Promise<void> {
  const log = (message: string) => process.stdout.write(`${message}\n`);
  const temporal = await ensureTool('temporal', { log });
  log(`temporal: ${temporal}`);
  try {
    log(`bigquery-emulator: ${await ensureTool('bigquery-emulator', { log })}`);
  } catch (error) {
    // Only the ETL family needs the emulator: report, don't fail the platform.
    log(`bigquery-emulator unavailable (the etl family needs it): ${(error as Error).message}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
