import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTool, findTool, ToolUnavailableError, toolsCacheDir } from '../../local/tools';
import { TOOLS } from '../../local/tool-versions';

function executable(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('tools', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tools-test-'));
  const cache = path.join(scratch, 'cache');
  const emptyPath = path.join(scratch, 'empty-bin');
  mkdirSync(emptyPath);

  it('pins the tool versions in one place', () => {
    expect(TOOLS.temporal.version).toBe('v1.5.1');
    expect(TOOLS['bigquery-emulator'].version).toBe('v0.8.1');
  });

  it('uses a binary on PATH first, then the versioned cache', () => {
    const env = { PATH: emptyPath, PIPELINES_TOOLS_DIR: cache };
    expect(findTool('temporal', env)).toBeUndefined();
    const cached = executable(path.join(cache, 'temporal-v1.5.1', 'temporal'));
    expect(toolsCacheDir(env)).toBe(cache);
    expect(findTool('temporal', env)).toBe(cached);
    const onPath = executable(path.join(scratch, 'bin', 'temporal'));
    expect(findTool('temporal', { ...env, PATH: `${emptyPath}:${path.dirname(onPath)}` })).toBe(onPath);
  });

  it('says exactly what to install when neither the tool nor Go is there', async () => {
    const env = { PATH: emptyPath, PIPELINES_TOOLS_DIR: path.join(scratch, 'nothing') };
    const attempt = ensureTool('bigquery-emulator', { env });
    await expect(attempt).rejects.toBeInstanceOf(ToolUnavailableError);
    await expect(attempt).rejects.toThrow('go install github.com/goccy/bigquery-emulator/cmd/bigquery-emulator@v0.8.1');
  });
});

/**
 * Builds with a fake `go` on PATH (no network, no compiler): `go install` is refused as the
 * module proxy refuses it here, the scratch-module route works, and `go build` holds until the
 * test releases it, so what a build says while it runs is tested without timing it.
 */
describe('building a tool', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tools-build-'));
  const fakeBin = path.join(scratch, 'bin');
  mkdirSync(fakeBin);
  writeFileSync(
    path.join(fakeBin, 'go'),
    [
      '#!/bin/sh',
      'echo "$*" >> "$FAKE_GO_LOG"',
      'case "$1" in',
      '  install) echo "go: downloading $2"; echo "go: $2: reading https://proxy.golang.org/@v/list: 403 Forbidden" >&2; exit 1 ;;',
      '  mod|get) exit 0 ;;',
      '  build)',
      '    while [ -n "$FAKE_GO_RELEASE" ] && [ ! -f "$FAKE_GO_RELEASE" ]; do sleep 0.05; done',
      '    out="$3/$(basename "$4")"; printf "#!/bin/sh\\n" > "$out"; chmod 755 "$out" ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(path.join(fakeBin, 'go'), 0o755);
  let runs = 0;

  /** A fresh cache, the fake go, and a release file the build waits for. */
  function setup() {
    const dir = path.join(scratch, `run-${++runs}`);
    mkdirSync(dir);
    const env = {
      PATH: `${fakeBin}:/usr/bin:/bin`,
      PIPELINES_TOOLS_DIR: path.join(dir, 'cache'),
      FAKE_GO_LOG: path.join(dir, 'go.log'),
      FAKE_GO_RELEASE: path.join(dir, 'release'),
    };
    const release = () => writeFileSync(env.FAKE_GO_RELEASE, '');
    const goCalls = () => readFileSync(env.FAKE_GO_LOG, 'utf8').trim().split('\n');
    return { env, release, goCalls };
  }

  /** Collects log lines; `next(pattern)` resolves at the first line that matches. */
  function logSink() {
    const lines: string[] = [];
    const waiters: { pattern: RegExp; resolve: () => void }[] = [];
    const log = (line: string) => {
      lines.push(line);
      for (const waiter of waiters) if (waiter.pattern.test(line)) waiter.resolve();
    };
    const next = (pattern: RegExp) =>
      lines.some((line) => pattern.test(line))
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ pattern, resolve }));
    return { lines, log, next };
  }

  it('says what it builds, that it happens once, its progress, and the scratch module as a normal route', async () => {
    const { env, release, goCalls } = setup();
    const sink = logSink();
    const built = ensureTool('bigquery-emulator', { env, log: sink.log, progressEveryMs: 20 });
    await sink.next(/^still building bigquery-emulator v0\.8\.1: \d+ s so far \(once per machine\)$/);
    release();
    const binary = await built;
    expect(binary).toBe(path.join(env.PIPELINES_TOOLS_DIR, 'bigquery-emulator-v0.8.1', 'bigquery-emulator'));
    expect(sink.lines[0]).toMatch(/^building bigquery-emulator v0\.8\.1 with Go into .*: once per machine/);
    expect(sink.lines).toContain(
      'building bigquery-emulator v0.8.1 from a scratch module (go get + go build of the pinned version)',
    );
    expect(sink.lines.at(-1)).toMatch(/^bigquery-emulator ready after \d+ s: /);
    expect(sink.lines.join('\n')).not.toMatch(/fail/i);
    expect(goCalls().map((call) => call.split(' ')[0])).toEqual(['install', 'mod', 'get', 'build']);
  });

  it('builds once for two concurrent callers: the second waits on the lock and reuses the build', async () => {
    const { env, release, goCalls } = setup();
    const first = logSink();
    const second = logSink();
    const firstBuild = ensureTool('bigquery-emulator', { env, log: first.log });
    await first.next(/^building bigquery-emulator/);
    const secondBuild = ensureTool('bigquery-emulator', { env, log: second.log });
    await second.next(/is being built by another process \(pid \d+\); waiting to reuse it/);
    release();
    const [a, b] = await Promise.all([firstBuild, secondBuild]);
    expect(b).toBe(a);
    expect(second.lines.at(-1)).toContain('built by the other process');
    expect(goCalls().filter((call) => call.startsWith('build'))).toHaveLength(1);
    expect(existsSync(`${path.dirname(a)}.lock`)).toBe(false);
  });

  it('takes over the lock of a build that was killed', async () => {
    const { env, release, goCalls } = setup();
    release();
    const deadPid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout);
    const lockDir = path.join(env.PIPELINES_TOOLS_DIR, 'bigquery-emulator-v0.8.1.lock');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: deadPid, host: os.hostname() }));
    await expect(ensureTool('bigquery-emulator', { env })).resolves.toContain('bigquery-emulator-v0.8.1');
    expect(goCalls().filter((call) => call.startsWith('build'))).toHaveLength(1);
  });
});
