import { DateTime } from 'luxon';
import type { TableDeclaration } from './registry';

/**
 * Window arithmetic of the ETL (pure, safe in workflows). A window is an inclusive range of the
 * table's incremental column (a DATE); a `null` bound is open. The same window chooses what is
 * read from BigQuery and which target rows the source is authoritative for (deletions).
 */
export type EtlMode = 'incremental' | 'force' | 'backfill';
export const ETL_MODES: readonly EtlMode[] = ['incremental', 'force', 'backfill'];

export interface EtlWindow {
  from: string | null;
  to: string | null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

/**
 * incremental: from (watermark − lookback), truncated to the table's granularity, with no upper
 * bound (everything newer is new); no watermark yet means a first full load.
 * force: everything (the target becomes exactly the source).
 * backfill: the explicit range, truncated like an incremental start.
 */
export function windowFor(
  table: TableDeclaration,
  mode: EtlMode,
  { watermark, start, end }: { watermark?: string | null; start?: string; end?: string },
): EtlWindow {
  switch (mode) {
    case 'force':
      return { from: null, to: null };
    case 'incremental':
      if (!watermark) return { from: null, to: null };
      return { from: truncate(table, shiftDays(watermark, -table.lookbackDays)), to: null };
    case 'backfill': {
      if (!start || !end || !isIsoDate(start) || !isIsoDate(end)) {
        throw new RangeError('a backfill needs start and end as YYYY-MM-DD');
      }
      if (start > end) throw new RangeError(`backfill start ${start} is after its end ${end}`);
      return { from: truncate(table, start), to: end };
    }
  }
}

/** The part of a workflow id that names the window: `2026-11-22`, `all`, `2026-10-01_2026-10-31`. */
export function windowKey(mode: EtlMode, window: EtlWindow, businessDate: string): string {
  if (mode === 'backfill') return `${window.from ?? 'start'}_${window.to ?? 'end'}`;
  return businessDate;
}

/** Business id of a table run: a second request for the same job finds the running one. */
export function etlTableWorkflowId(table: string, mode: EtlMode, key: string): string {
  return `etl-table/${table}/${mode}/${key}`;
}

export function etlDashboardWorkflowId(mode: Exclude<EtlMode, 'backfill'>, businessDate: string): string {
  return `etl-dashboard/${mode}/${businessDate}`;
}

/** The watermark after a successful load: backfills and incremental runs only move it forward. */
export function nextWatermark(mode: EtlMode, previous: string | null, loadedMax: string | null): string | null {
  if (mode === 'force') return loadedMax;
  if (previous === null) return loadedMax;
  if (loadedMax === null) return previous;
  return loadedMax > previous ? loadedMax : previous;
}

function shiftDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

function truncate(table: TableDeclaration, date: string): string {
  return table.granularity === 'month' ? DateTime.fromISO(date, { zone: 'UTC' }).startOf('month').toISODate()! : date;
}
