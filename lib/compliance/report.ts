import { regulatorDayEnd, regulatorDayStart } from './calendar';
import { ONLINE_LIMIT_MS } from './planner';
import { slotsBetween } from './slots';
import type { Standard } from './standards';

/**
 * The daily compliance report (07:00): for each configuration, the previous day of the regulators'
 * calendar — the fixed UTC−4 offset their measurement times use, with no daylight saving — and how
 * its slots fared. Pure: the activity and the API feed it the ledger's rows.
 */

/** The day before a `YYYY-MM-DD` day. */
export const previousDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** The slot times a configuration expects on a day of the UTC−4 calendar (none for a manual standard). */
export function expectedSlots(standard: Standard, day: string, active: { from: string; to: string | null }): Date[] {
  return slotsBetween(
    { standard, activeFrom: active.from, activeTo: active.to },
    regulatorDayStart(day),
    new Date(regulatorDayEnd(day).getTime() - 1),
  );
}

export interface LedgerSlot {
  slot: Date;
  status: string;
  reason: string | null;
  receipt: string | null;
  /** When its first submit attempt started, if any. */
  firstAttemptAt: Date | null;
}

export interface DayReport {
  expected: number;
  sent: number;
  confirmed: number;
  rejected: number;
  missing: number;
  late: number;
  details: { missing: string[]; late: string[]; rejected: { slot: string; reason: string | null }[] };
}

/**
 * Counts over the expected slots: `sent` were attempted at least once, `confirmed` had their receipt
 * verified, `rejected` were refused, `missing` have no receipt (never sent, waiting, failed or
 * rejected), `late` were first sent more than an hour after their measurement.
 */
export function dayReport(expected: readonly Date[], ledger: readonly LedgerSlot[]): DayReport {
  const bySlot = new Map(ledger.map((row) => [row.slot.getTime(), row]));
  const report: DayReport = {
    expected: expected.length,
    sent: 0,
    confirmed: 0,
    rejected: 0,
    missing: 0,
    late: 0,
    details: { missing: [], late: [], rejected: [] },
  };
  for (const slot of expected) {
    const row = bySlot.get(slot.getTime());
    const iso = slot.toISOString();
    if (row?.firstAttemptAt) report.sent += 1;
    if (row?.status === 'CONFIRMED') report.confirmed += 1;
    if (row?.status === 'REJECTED') {
      report.rejected += 1;
      report.details.rejected.push({ slot: iso, reason: row.reason });
    }
    if (!row?.receipt) {
      report.missing += 1;
      report.details.missing.push(iso);
    }
    if (row?.firstAttemptAt && row.firstAttemptAt.getTime() - slot.getTime() > ONLINE_LIMIT_MS) {
      report.late += 1;
      report.details.late.push(iso);
    }
  }
  return report;
}

/** What a report says in a notification (and in the 08:00 summary). */
export function reportLine(config: { pointCode: string; source: string; standard: string }, report: DayReport): string {
  return (
    `${config.pointCode} → ${config.source} ${config.standard}: ${report.expected} expected, ${report.sent} sent, ` +
    `${report.confirmed} confirmed, ${report.rejected} rejected, ${report.missing} missing, ${report.late} late`
  );
}

/** A configuration active on a day, and its ledger rows of that day (as the data module reads them). */
export interface DayLedger {
  config: {
    id: string;
    pointCode: string;
    source: string;
    standard: Standard;
    activeFrom: string;
    activeTo: string | null;
  };
  slots: LedgerSlot[];
}

export interface ConfigDayReport extends DayReport {
  configId: string;
  pointCode: string;
  source: string;
  standard: Standard;
}

/**
 * What the ledger says of `day`, per configuration: the stored report's content, and the API's
 * provisional answer for a day not reported yet (today).
 */
export function dayReportsOf(day: string, ledgers: readonly DayLedger[]): ConfigDayReport[] {
  return ledgers.map(({ config, slots }) => ({
    configId: config.id,
    pointCode: config.pointCode,
    source: config.source,
    standard: config.standard,
    ...dayReport(expectedSlots(config.standard, day, { from: config.activeFrom, to: config.activeTo }), slots),
  }));
}
