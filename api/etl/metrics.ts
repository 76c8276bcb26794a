import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../../lib/db';
import { readStatus } from '../../data/etl';

/**
 * Per-table ETL gauges on the API's `/metrics`, read from the watermarks and the execution log at
 * each scrape (a handful of rows): alert on `etl_watermark_age_days` growing, or on a last run
 * that failed. A database that does not answer leaves the previous values.
 */
export function registerEtlMetrics(registry: Registry, db: Database, timeZone: string): void {
  const age = new Gauge({
    name: 'etl_watermark_age_days',
    help: 'Days between today and the largest incremental value loaded, per table',
    labelNames: ['table'],
    registers: [registry],
    collect: () => refresh(),
  });
  const rows = new Gauge({
    name: 'etl_last_run_rows',
    help:
      "The last finished run's row counts, per table and kind (inserted, updated, unchanged, deleted, rejected, " +
      'duplicates_dropped: extracted rows whose key repeated another one)',
    labelNames: ['table', 'kind'],
    registers: [registry],
    collect: () => refresh(),
  });
  const succeeded = new Gauge({
    name: 'etl_last_run_succeeded',
    help: '1 when the last finished run of the table succeeded, 0 when it failed or was cancelled',
    labelNames: ['table'],
    registers: [registry],
    collect: () => refresh(),
  });
  // One read feeds the three gauges; prom-client calls each collect, the first refreshes all.
  let pending: Promise<void> | undefined;
  function refresh(): Promise<void> {
    return (pending ??= readStatus(db, timeZone)
      .then(({ tables }) => {
        for (const table of tables) {
          if (table.watermarkAgeDays !== null) age.set({ table: table.table }, table.watermarkAgeDays);
          const run = table.lastRun;
          if (!run || run.status === 'running') continue;
          succeeded.set({ table: table.table }, run.status === 'succeeded' ? 1 : 0);
          const counts = { ...run, rejected: run.rowsRejected, duplicates_dropped: run.duplicatesDropped };
          for (const kind of [
            'inserted',
            'updated',
            'unchanged',
            'deleted',
            'rejected',
            'duplicates_dropped',
          ] as const) {
            const value = counts[kind];
            if (value !== null) rows.set({ table: table.table, kind }, value);
          }
        }
      })
      .catch(() => undefined)
      .finally(() => (pending = undefined)));
  }
}
