import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** The lint zones that keep imports running one way between the layers catch what they must, and only that. */
jest.setTimeout(120_000);

const root = path.resolve(__dirname, '..', '..');
const LAYER_RULES = new Set(['import-x/no-restricted-paths', '@typescript-eslint/no-restricted-imports']);

/**
 * Lints `imports` as the file `filename` (the ESLint CLI: its config is ESM, which jest cannot load)
 * and answers the module paths the layer rules report. Without the type-aware project a file need
 * not exist to be linted (data/ and platform/ may still be empty); the rules need no types, and the
 * two that do are off. The imported files must exist: the path zones judge where an import resolves.
 */
function reportedImports(filename: string, imports: string[]): string[] {
  const eslint = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--stdin',
      '--stdin-filename',
      filename,
      '--parser-options',
      'projectService:false',
      '--rule',
      JSON.stringify({
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
      }),
      '--format',
      'json',
    ],
    { cwd: root, input: imports.join('\n'), encoding: 'utf8' },
  );
  const [result] = JSON.parse(eslint.stdout) as { messages: { ruleId: string | null; line: number }[] }[];
  const lines = (result?.messages ?? [])
    .filter((message) => message.ruleId !== null && LAYER_RULES.has(message.ruleId))
    .map((message) => message.line);
  return [...new Set(lines)].map((line) => /from '([^']+)'/.exec(imports[line - 1]!)![1]!);
}

/** Each zone: a file of the layer, imports it must not make and imports it may. */
const zones: { zone: string; file: string; forbidden: string[]; allowed: string[] }[] = [
  {
    zone: 'lib/<family>/ is pure',
    file: 'lib/etl/probe.ts',
    forbidden: [
      "import pg from 'pg';",
      "import { readFileSync } from 'node:fs';",
      "import { Client } from '@temporalio/client';",
      "import { createDatabase } from '../db';",
      "import { loadConfig } from '../config';",
      "import { BigQuery } from '../bigquery';",
    ],
    allowed: [
      "import { createHash } from 'node:crypto';",
      "import { DateTime } from 'luxon';",
      "import { localDate } from '../time';",
      "import { ETL_TABLES } from './registry';",
    ],
  },
  {
    zone: "lib/'s foundations import no layer above lib",
    file: 'lib/probe.ts',
    forbidden: [
      "import { createActivitiesByQueue } from '../activities';",
      "import { createApp } from '../api/app';",
      "import { platformCanary } from '../workflows/platform/canary';",
    ],
    allowed: [
      "import pg from 'pg';",
      "import { createDatabase } from './db';",
      "import type { CanaryInput } from '../workflows/platform/canary';",
    ],
  },
  {
    zone: 'data/ imports lib only',
    file: 'data/etl/index.ts',
    forbidden: [
      "import { createActivitiesByQueue } from '../../activities';",
      "import { declareSchedules } from '../../schedules';",
      "import { etlTable } from '../../workflows/etl/table';",
    ],
    allowed: [
      "import type { Database } from '../../lib/db';",
      "import { ETL_TABLES } from '../../lib/etl/registry';",
      "import type { EtlTableInput } from '../../workflows/etl/table';",
    ],
  },
  {
    zone: 'platform/ imports lib and data',
    file: 'platform/http-client.ts',
    forbidden: ["import { createActivitiesByQueue } from '../activities';", "import { createApp } from '../api/app';"],
    allowed: ["import { loadConfig } from '../lib/config';", "import pg from 'pg';"],
  },
  {
    zone: "activities/ never import api, schedules, workers, tooling or another family's activities",
    file: 'activities/telemetry/probe.ts',
    forbidden: [
      "import { createComplianceActivities } from '../compliance';",
      "import { createApp } from '../../api/app';",
      "import { declareSchedules } from '../../schedules';",
      "import { createTestContext } from '../../test/harness/context';",
      "import { RUN_TIMEOUT } from '../../workflows/metrics/batch';",
    ],
    allowed: [
      "import { heartbeatEvery } from '../heartbeat';",
      "import { createTelemetryActivities } from './index';",
      "import type { Database } from '../../lib/db';",
      "import type { TelemetryCycleInput } from '../../workflows/telemetry/cycle';",
    ],
  },
  {
    zone: 'workflows/ take values from an allow-list',
    file: 'workflows/etl/probe.ts',
    forbidden: [
      "import { BigQuery } from '../../lib/bigquery';",
      "import { createDatabase } from '../../lib/db';",
      "import { createEtlActivities } from '../../activities/etl';",
      "import { sleep } from '@temporalio/activity';",
      "import { DateTime } from 'luxon';",
      "import type { ApiDeps } from '../../api/deps';",
    ],
    allowed: [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { ApplicationFailure } from '@temporalio/common';",
      "import { tagRun } from '../run-context';",
      "import { etlTable } from './table';",
      "import { windowKey } from '../../lib/etl/window';",
      "import { localDate } from '../../lib/time';",
      "import type { createEtlActivities } from '../../activities/etl';",
    ],
  },
  {
    zone: 'a flat workflows/ file reaches lib one folder up',
    file: 'workflows/run-context.ts',
    forbidden: ["import { migrate } from '../lib/migrate';", "import { createApp } from '../api/app';"],
    allowed: ["import { localDate } from '../lib/time';", "import { cvPipeline } from './cv';"],
  },
  {
    zone: 'schedules/ import lib and types of workflows',
    file: 'schedules/probe.ts',
    forbidden: [
      "import { cvPipeline } from '../workflows/cv/pipeline';",
      "import { createActivitiesByQueue } from '../activities';",
      "import { createApp } from '../api/app';",
    ],
    allowed: [
      "import { ScheduleOverlapPolicy } from '@temporalio/client';",
      "import { ETL_TABLES } from '../lib/etl/registry';",
      "import type { CvPipelineInput } from '../workflows/cv/pipeline';",
    ],
  },
  {
    zone: 'api/ never imports activities, workers or tooling',
    file: 'api/etl/probe.ts',
    forbidden: [
      "import { createActivitiesByQueue } from '../../activities';",
      "import type { ActivityDeps } from '../../activities';",
      "import { startWorkers } from '../../workers/create-workers';",
      "import { startLocalStack } from '../../local/start';",
      "import { createTestContext } from '../../test/harness/context';",
      "import { etlTable } from '../../workflows/etl/table';",
    ],
    allowed: [
      "import { declareSchedules } from '../../schedules';",
      "import type { Database } from '../../lib/db';",
      "import type { EtlTableInput } from '../../workflows/etl/table';",
    ],
  },
  {
    zone: 'workers/ import anything below them',
    file: 'workers/probe.ts',
    forbidden: [
      "import { createApp } from '../api/app';",
      "import { createTestContext } from '../test/harness/context';",
    ],
    allowed: [
      "import { createActivitiesByQueue } from '../activities';",
      "import { applyDeclaredSchedules } from '../schedules/apply';",
      "import * as workflows from '../workflows';",
    ],
  },
  {
    zone: 'local/ and scripts/ import anything but test/',
    file: 'scripts/probe.ts',
    forbidden: ["import { createTestContext } from '../test/harness/context';"],
    allowed: ["import { createApp } from '../api/app';", "import { startLocalStack } from '../local/start';"],
  },
  {
    zone: 'bench/ imports anything, the test harness too (it starts its servers as the tests do)',
    file: 'bench/probe.ts',
    forbidden: [],
    allowed: [
      "import { createApp } from '../api/app';",
      "import { createTestContext } from '../test/harness/context';",
    ],
  },
];

describe('the layer zones', () => {
  it.each(zones)('$zone', ({ file, forbidden, allowed }) => {
    expect(reportedImports(file, [...allowed, ...forbidden])).toEqual(
      forbidden.map((line) => /from '([^']+)'/.exec(line)![1]),
    );
  });
});
