import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, isCancellation, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { ETL_TABLES } from '../../lib/etl/registry';
import { etlTableWorkflowId } from '../../lib/etl/window';
import { FAILED_STEPS, PIPELINE, TRIGGERED_BY } from '../../lib/search-attributes';
import { localDate } from '../../lib/time';
import { scheduledTime, tagRun } from '../run-context';
import { etlTable, type EtlTableResult } from './table';

export interface EtlDashboardInput {
  /** Full refresh of every table (the target becomes exactly the source). @default false */
  force?: boolean;
  timeZone: string;
  pageSize?: number;
  heartbeatTimeout?: string;
}

export type EtlTableOutcome =
  | { table: string; status: 'succeeded'; workflowId: string; result: EtlTableResult }
  | { table: string; status: 'failed'; workflowId: string; error: string }
  | { table: string; status: 'alreadyRunning'; workflowId: string };

export interface EtlDashboardResult {
  mode: 'incremental' | 'force';
  tables: EtlTableOutcome[];
  failed: string[];
}

/**
 * Refreshes the five dashboard tables as child workflows, in parallel, each under its business
 * id (`etl-table/<table>/<mode>/<date>`); one table failing does not stop the others, and the
 * result reports each. A table whose run for that id is already going is left to it.
 */
export async function etlDashboard(input: EtlDashboardInput): Promise<EtlDashboardResult> {
  const mode = input.force ? 'force' : 'incremental';
  const businessDate = localDate(scheduledTime(), input.timeZone);
  tagRun({ target: 'dashboard', businessDate });
  const attributes = workflowInfo().typedSearchAttributes;

  // Settled, not Promise.all: a cancelled refresh must wait until every child has finished
  // cancelling (dropped its staging, logged `canceled`); closing earlier would terminate the rest.
  const settled = await Promise.allSettled(
    ETL_TABLES.map(({ name }) =>
      executeChild(etlTable, {
        workflowId: etlTableWorkflowId(name, mode, businessDate),
        args: [
          {
            table: name,
            mode,
            timeZone: input.timeZone,
            pageSize: input.pageSize,
            heartbeatTimeout: input.heartbeatTimeout,
          },
        ],
        typedSearchAttributes: [
          { key: PIPELINE, value: attributes.get(PIPELINE) ?? 'etl' },
          { key: TRIGGERED_BY, value: attributes.get(TRIGGERED_BY) ?? 'api' },
        ],
      }),
    ),
  );
  // A cancelled refresh is cancelled, not "partly failed".
  const cancelled = settled.find((s) => s.status === 'rejected' && isCancellation(s.reason));
  if (cancelled) throw (cancelled as PromiseRejectedResult).reason;
  const tables = settled.map((outcome, i): EtlTableOutcome => {
    const table = ETL_TABLES[i]!.name;
    const workflowId = etlTableWorkflowId(table, mode, businessDate);
    if (outcome.status === 'fulfilled') return { table, status: 'succeeded', workflowId, result: outcome.value };
    if (outcome.reason instanceof WorkflowExecutionAlreadyStartedError)
      return { table, status: 'alreadyRunning', workflowId };
    const cause = (outcome.reason as { cause?: Error }).cause ?? (outcome.reason as Error);
    return { table, status: 'failed', workflowId, error: cause.message };
  });
  const failed = tables.filter((outcome) => outcome.status === 'failed').map((outcome) => outcome.table);
  if (failed.length > 0) upsertSearchAttributes([{ key: FAILED_STEPS, value: failed.join(',') }]);
  return { mode, tables, failed };
}
