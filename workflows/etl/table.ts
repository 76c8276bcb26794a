import { ActivityCancellationType, ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { EtlActivities } from '../../activities/etl';
import type { ExtractResult } from '../../activities/etl/extract';
import type { MergeCounts } from '../../activities/etl/merge';
import { findTable } from '../../lib/etl/registry';
import type { EtlMode, EtlWindow } from '../../lib/etl/window';
import { TRIGGERED_BY } from '../../lib/search-attributes';
import { localDate } from '../../lib/time';
import { scheduledTime, tagRun } from '../run-context';

/** Extractions of one run when staging keeps being lost (each loss is a PostgreSQL crash). */
const MAX_EXTRACTIONS = 3;

export interface EtlTableInput {
  table: string;
  /** @default 'incremental' */
  mode?: EtlMode;
  /** Backfill only: the inclusive range of the incremental column (YYYY-MM-DD). */
  start?: string;
  end?: string;
  /** PIPELINES_TZ: the run is filed under its local business date. */
  timeZone: string;
  /** Rows per BigQuery page. @default 10000 */
  pageSize?: number;
  /** How long the extract may go without a heartbeat before another worker takes over. @default '60 seconds' */
  heartbeatTimeout?: string;
}

export interface EtlTableResult {
  table: string;
  mode: EtlMode;
  window: EtlWindow;
  extract: ExtractResult;
  merge: MergeCounts;
}

/**
 * One table's ETL run: fix the window from the watermark, extract it page by page into the
 * run's staging table, merge staging into the target in one transaction. A failed or cancelled
 * run drops its staging and logs how it ended; the target is touched only by the merge's commit.
 */
export async function etlTable(input: EtlTableInput): Promise<EtlTableResult> {
  const mode = input.mode ?? 'incremental';
  const table = findTable(input.table);
  if (!table) throw ApplicationFailure.nonRetryable(`unknown ETL table "${input.table}"`, 'InvalidInput');
  const info = workflowInfo();
  tagRun({ target: table.name, businessDate: localDate(scheduledTime(), input.timeZone) });

  const retry = { initialInterval: '1 second', maximumInterval: '1 minute' };
  const { beginEtlRun, finishEtlRun } = proxyActivities<EtlActivities>({ startToCloseTimeout: '1 minute', retry });
  const { extractEtlTable } = proxyActivities<EtlActivities>({
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: input.heartbeatTimeout ?? '60 seconds',
    retry,
    // A cancelled run drops its staging only once the extract has stopped writing into it.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const { mergeEtlTable } = proxyActivities<EtlActivities>({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: input.heartbeatTimeout ?? '60 seconds',
    retry,
    // The merge decides: it commits (the run completes) or it rolls back on cancellation.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

  const runId = info.runId;
  const { window } = await beginEtlRun({
    runId,
    workflowId: info.workflowId,
    table: table.name,
    mode,
    start: input.start,
    end: input.end,
    startedAt: info.runStartTime.toISOString(),
    triggeredBy: info.typedSearchAttributes.get(TRIGGERED_BY),
  });
  try {
    for (let attempt = 1; ; attempt++) {
      const extract = await extractEtlTable({ runId, table: table.name, window, pageSize: input.pageSize ?? 10_000 });
      try {
        const merge = await mergeEtlTable({
          runId,
          table: table.name,
          mode,
          window,
          addedColumns: extract.addedColumns,
        });
        return { table: table.name, mode, window, extract, merge };
      } catch (error) {
        // A PostgreSQL crash emptied the (unlogged) staging: the merge reset the checkpoint, extract again.
        const lost =
          error instanceof ActivityFailure && (error.cause as ApplicationFailure | undefined)?.type === 'StagingLost';
        if (!lost || attempt >= MAX_EXTRACTIONS) throw error;
      }
    }
  } catch (error) {
    const status = isCancellation(error) ? 'canceled' : 'failed';
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    await CancellationScope.nonCancellable(() => finishEtlRun({ runId, status, error: cause.message }));
    throw error;
  }
}
