import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

  it('pins the SPEC versions in one place', () => {
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
