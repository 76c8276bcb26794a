import type { Database } from '../../lib/db';
import type { PoolClient } from 'pg';
import { regulatorDayEnd, regulatorDayStart } from '../../lib/compliance/calendar';
import {
  reportLine,
  type ConfigDayReport,
  type DayLedger,
  type DayReport,
  type LedgerSlot,
} from '../../lib/compliance/report';
import type { Standard } from '../../lib/compliance/standards';

/** Every write of `compliance_reports` (one row per day and configuration), and the reads of reports. */

/**
 * The ledger of `day` per configuration that was active and sends (optionally one): what its report
 * is computed from (lib/compliance/report.ts).
 */
export async function readDayLedgers(db: Database, day: string, configId?: string): Promise<DayLedger[]> {
  const [start, end] = [regulatorDayStart(day), regulatorDayEnd(day)];
  const { rows: configs } = await db.query<{
    id: string;
    point_code: string;
    source: string;
    standard: Standard;
    active_from: string;
    active_to: string | null;
  }>(
    `SELECT id, point_code, source, standard, to_char(active_from, 'YYYY-MM-DD') AS active_from,
            to_char(active_to, 'YYYY-MM-DD') AS active_to
       FROM compliance_configs
      WHERE standard IN ('MAYOR', 'MEDIO', 'SMA') AND active_from <= $1::date AND (active_to IS NULL OR active_to >= $1::date)
        AND ($2::bigint IS NULL OR id = $2)
      ORDER BY id`,
    [day, configId ?? null],
  );
  const ledgers: DayLedger[] = [];
  for (const config of configs) {
    const { rows } = await db.query<LedgerSlot>(
      `SELECT s.slot, s.status, s.reason, s.receipt,
              (SELECT min(a.started_at) FROM compliance_attempts a
                WHERE a.config_id = s.config_id AND a.slot = s.slot AND a.kind = 'SUBMIT') AS "firstAttemptAt"
         FROM compliance_submissions s WHERE s.config_id = $1 AND s.slot >= $2 AND s.slot < $3`,
      [config.id, start, end],
    );
    ledgers.push({
      config: {
        id: config.id,
        pointCode: config.point_code,
        source: config.source,
        standard: config.standard,
        activeFrom: config.active_from,
        activeTo: config.active_to,
      },
      slots: rows,
    });
  }
  return ledgers;
}

/** Stores a day's report of one configuration; a second run replaces the counts. */
export async function upsertDayReport(client: PoolClient, day: string, report: ConfigDayReport): Promise<void> {
  await client.query(
    `INSERT INTO compliance_reports (report_date, config_id, expected, sent, confirmed, rejected, missing, late, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (report_date, config_id) DO UPDATE SET expected = EXCLUDED.expected, sent = EXCLUDED.sent,
       confirmed = EXCLUDED.confirmed, rejected = EXCLUDED.rejected, missing = EXCLUDED.missing,
       late = EXCLUDED.late, details = EXCLUDED.details, created_at = now()`,
    [
      day,
      report.configId,
      report.expected,
      report.sent,
      report.confirmed,
      report.rejected,
      report.missing,
      report.late,
      JSON.stringify(report.details),
    ],
  );
}

/** The stored reports of a day (optionally one configuration's), by configuration. */
export async function readStoredReports(db: Database, date: string, configId?: number) {
  const { rows } = await db.query<
    { config_id: string; point_code: string; source: string; standard: string; created_at: Date } & DayReport
  >(
    `SELECT r.config_id, c.point_code, c.source, c.standard, r.expected, r.sent, r.confirmed, r.rejected, r.missing,
            r.late, r.details, r.created_at
       FROM compliance_reports r JOIN compliance_configs c ON c.id = r.config_id
      WHERE r.report_date = $1 AND ($2::bigint IS NULL OR r.config_id = $2)
      ORDER BY r.config_id`,
    [date, configId ?? null],
  );
  return rows;
}

/** The report lines of a day for the points a user follows, for the 08:00 daily summary. */
export async function reportLinesFor(db: Database, day: string, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ pointCode: string; source: string; standard: string } & DayReport>(
    `SELECT c.point_code AS "pointCode", c.source, c.standard, r.expected, r.sent, r.confirmed, r.rejected, r.missing,
            r.late, r.details
       FROM compliance_reports r JOIN compliance_configs c ON c.id = r.config_id
      WHERE r.report_date = $1
        AND EXISTS (SELECT 1 FROM notification_subscriptions s
                     WHERE s.user_id = $2 AND (s.subject = '*' OR s.subject = c.point_code))
      ORDER BY c.point_code, c.source`,
    [day, userId],
  );
  return rows.map((row) => reportLine(row, row));
}
