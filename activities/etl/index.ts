import { Context } from '@temporalio/activity';
import { createBigQuerySource, type BigQuerySource } from '../../lib/bigquery';
import type { Config } from '../../lib/config';
import type { Database } from '../../lib/db';
import { findTable, type TableDeclaration } from '../../lib/etl/registry';
import type { EtlMode, EtlWindow } from '../../lib/etl/window';
import { InvalidInputError } from '../../lib/errors';
import { heartbeatWhile } from '../heartbeat';
import { extractToStaging, type ExtractResult } from './extract';
import { mergeStaging, type MergeCounts } from './merge';
import { finishRun, type StorageMode } from '../../data/etl';
import { applyRetention } from './retention';
import { beginRun, type BeginRunInput, type BegunRun } from './run-log';

export interface EtlActivityDeps {
  config: Config;
  db: Database;
}

export interface ExtractInput {
  runId: string;
  table: string;
  window: EtlWindow;
  /** Rows per BigQuery page. */
  pageSize: number;
}

export interface MergeInput {
  runId: string;
  table: string;
  mode: EtlMode;
  window: EtlWindow;
  addedColumns?: string[];
}

function tableOf(name: string): TableDeclaration {
  const table = findTable(name);
  if (!table) throw new InvalidInputError(`unknown ETL table "${name}"`);
  return table;
}

/**
 * The ETL activities. BigQuery credentials come from configuration, never from workflow inputs.
 * The extract heartbeats `{page, rows, phase}` after every page; its checkpoint lives in
 * PostgreSQL with the staged rows, so a retry on any worker resumes at the next page.
 */
export function createEtlActivities({ config, db }: EtlActivityDeps) {
  let source: BigQuerySource | undefined;
  // Built on first use: workers that never run the ETL need no BigQuery settings.
  const bigquery = () => (source ??= createBigQuerySource(config.bigquery));

  return {
    async beginEtlRun(input: BeginRunInput): Promise<BegunRun> {
      return beginRun(db, tableOf(input.table), input);
    },

    async extractEtlTable(input: ExtractInput): Promise<ExtractResult> {
      const context = Context.current();
      let progress: unknown = { phase: 'starting', attempt: context.info.attempt };
      const work = extractToStaging(
        {
          db,
          source: bigquery(),
          stagingWrite: config.etl.stagingWrite,
          signal: context.cancellationSignal,
          onProgress: (p) => (progress = p),
        },
        { runId: input.runId, table: tableOf(input.table), window: input.window, pageSize: input.pageSize },
      );
      // Beats on a timer as well as per page, so a slow page still shows the activity alive.
      return heartbeatWhile(work, () => progress, 1_000);
    },

    async mergeEtlTable(input: MergeInput): Promise<MergeCounts> {
      const context = Context.current();
      const work = mergeStaging(db, context.cancellationSignal, { ...input, table: tableOf(input.table) });
      return heartbeatWhile(work, () => ({ phase: 'merge' }), 1_000);
    },

    async finishEtlRun(input: { runId: string; status: 'failed' | 'canceled'; error?: string }): Promise<void> {
      await finishRun(db, input);
    },

    /** Plain PostgreSQL: deletes the ages TimescaleDB's retention policies would drop. */
    async applyEtlRetention(): Promise<{ mode: StorageMode; deleted: Record<string, number> }> {
      return heartbeatWhile(applyRetention(db), () => ({ phase: 'retention' }), 1_000);
    },
  };
}

export type EtlActivities = ReturnType<typeof createEtlActivities>;
