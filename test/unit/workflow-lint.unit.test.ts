import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The lint rule that keeps workflows deterministic (no Node built-ins, no pg, no HTTP, no runtime
 * imports of activities or I/O modules) catches what it must, and only that.
 */
jest.setTimeout(60_000);

const root = path.resolve(__dirname, '..', '..');

/** Lints `code` as if it were a workflow file (the ESLint CLI: its config is ESM, which jest cannot load). */
function restrictedImports(code: string): string[] {
  const eslint = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--stdin',
      '--stdin-filename',
      'workflows/run-context.ts',
      '--format',
      'json',
      // Without type information, which the import rules do not need: building the project's type
      // program took ~35 s per run on a loaded machine, against ~4 s without it.
      '--parser-options',
      'projectService:false',
      '--rule',
      '{"@typescript-eslint/no-floating-promises":"off","@typescript-eslint/no-misused-promises":"off"}',
    ],
    { cwd: root, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(eslint.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((message) => message.message);
}

describe('the workflow import rule', () => {
  it('rejects Node built-ins, pg, HTTP clients and runtime imports of activities', () => {
    const messages = restrictedImports(
      [
        "import fs from 'node:fs';",
        "import crypto from 'crypto';",
        "import { gzipSync } from 'zlib';",
        "import { Worker } from 'worker_threads';",
        "import { Client } from '@temporalio/client';",
        "import { migrate } from '../lib/migrate';",
        "import pg from 'pg';",
        "import express from 'express';",
        "import { createPlatformActivities } from '../activities/platform';",
        "import { createDatabase } from '../lib/db';",
        'export const used = [fs, crypto, gzipSync, Worker, Client, migrate, pg, express, createPlatformActivities, createDatabase];',
      ].join('\n'),
    );
    expect(messages).toHaveLength(10);
  });

  it('allows type-only imports of activities and pure modules', () => {
    const messages = restrictedImports(
      [
        "import type { createPlatformActivities } from '../activities/platform';",
        "import { proxyActivities } from '@temporalio/workflow';",
        "import { localDate } from '../lib/time';",
        'export const used = [proxyActivities, localDate];',
        'export type Activities = ReturnType<typeof createPlatformActivities>;',
      ].join('\n'),
    );
    expect(messages).toEqual([]);
  });
});
