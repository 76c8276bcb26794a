import { findRunWindow, insertRunningRun, readWatermark } from '../../data/etl';
import type { Database } from '../../lib/db';
import type { TableDeclaration } from '../../lib/etl/registry';
import { windowFor, type EtlMode, type EtlWindow } from '../../lib/etl/window';
import { InvalidInputError } from '../../lib/errors';

export interface BeginRunInput {
  runId: string;
  workflowId: string;
  table: string;
  mode: EtlMode;
  start?: string;
  end?: string;
  /** The workflow's start: the same on every retry, so the log row is written once. */
  startedAt: string;
  triggeredBy?: string;
}

export interface BegunRun {
  window: EtlWindow;
  watermark: string | null;
}

/**
 * Records the run as `running` and fixes its window from the watermark as it is now. A retry
 * finds the row and answers the same window, so a run's window never moves under it.
 */
export async function beginRun(db: Database, table: TableDeclaration, input: BeginRunInput): Promise<BegunRun> {
  const existing = await findRunWindow(db, input.runId);
  if (existing) return existing;
  const watermark = await readWatermark(db, table.name);
  let window: EtlWindow;
  try {
    window = windowFor(table, input.mode, { watermark, start: input.start, end: input.end });
  } catch (error) {
    throw new InvalidInputError((error as Error).message);
  }
  await insertRunningRun(db, {
    runId: input.runId,
    startedAt: input.startedAt,
    workflowId: input.workflowId,
    table: table.name,
    mode: input.mode,
    triggeredBy: input.triggeredBy ?? null,
    window,
    watermarkBefore: watermark,
  });
  return { window, watermark };
}
