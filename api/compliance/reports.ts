import { readDayLedgers, readStoredReports } from '../../data/compliance';
import { dayReportsOf } from '../../lib/compliance/report';
import type { Database } from '../../lib/db';

/**
 * The reports of a day: the stored ones (07:00, for the previous day), or, for a day not reported
 * yet (today, or a day the report did not run), what the ledger says now, marked provisional.
 */
export async function readReports(db: Database, date: string, configId?: number) {
  const rows = await readStoredReports(db, date, configId);
  if (rows.length > 0)
    return {
      provisional: false,
      items: rows.map(({ config_id, point_code, created_at, ...counts }) => ({
        date,
        configId: Number(config_id),
        pointCode: point_code,
        ...counts,
        computedAt: created_at.toISOString(),
      })),
    };
  const computedAt = new Date().toISOString();
  const ledgers = await readDayLedgers(db, date, configId === undefined ? undefined : String(configId));
  return {
    provisional: true,
    items: dayReportsOf(date, ledgers).map(({ configId: id, ...report }) => ({
      date,
      configId: Number(id),
      ...report,
      computedAt,
    })),
  };
}
