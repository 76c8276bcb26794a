import type { StoredVariable } from './config';
import type { Flag } from './quality';
import type { ProcessResult } from './rules';

/**
 * Which alert conditions a processed batch raises and clears. An alert is about (point, variable,
 * rule); a batch that flags it opens it (or counts it while open), and a batch whose newest
 * reading of that variable is clean of it clears it.
 */

const HOUR = 3_600_000;

export type Severity = 'info' | 'warning' | 'critical';

/** The flags that are worth an alert, under the rule name the alert carries. */
const ALERTING: Partial<Record<Flag, { rule: string; severity: Severity }>> = {
  OUT_OF_RANGE: { rule: 'OUT_OF_RANGE', severity: 'warning' },
  TOTAL_INGESTION_ERROR: { rule: 'TOTAL_INGESTION_ERROR', severity: 'warning' },
  JUMP_BLOCKED: { rule: 'JUMP_GUARD', severity: 'warning' },
  LEVEL_MAX_RESET: { rule: 'LEVEL_MAX_RESET', severity: 'warning' },
  LEVEL_HIGH: { rule: 'LEVEL_HIGH', severity: 'critical' },
  FLOW_LOW: { rule: 'FLOW_LOW', severity: 'info' },
};

export interface AlertCondition {
  /** `*` for the point as a whole (the health check's NO_DATA) or a provider's PROVIDER_DOWN. */
  variable: StoredVariable | '*';
  rule: string;
  severity: Severity;
  /** How many readings (or hours) raised it in this batch; 0 when it only clears. */
  count: number;
  firstAt: string | null;
  lastAt: string | null;
  /** Still true at the batch's end (false: clear any open alert). */
  active: boolean;
  message: string;
}

/** `hour 2026-05-17 14:00 UTC`, or `hours 2026-05-17 14:00, 15:00, 2026-05-18 02:00 UTC`. */
function hourList(hours: readonly string[]): string {
  let day = '';
  const parts = hours.map((iso) => {
    const [date, time] = [iso.slice(0, 10), iso.slice(11, 16)];
    const part = date === day ? time : `${date} ${time}`;
    day = date;
    return part;
  });
  return `${hours.length === 1 ? 'hour' : 'hours'} ${parts.join(', ')} UTC`;
}

export function alertConditions(result: ProcessResult): AlertCondition[] {
  const conditions = new Map<string, AlertCondition>();
  const touch = (variable: StoredVariable, rule: string, severity: Severity, message: string) => {
    const key = `${variable}/${rule}`;
    let condition = conditions.get(key);
    if (!condition) {
      condition = { variable, rule, severity, count: 0, firstAt: null, lastAt: null, active: false, message };
      conditions.set(key, condition);
    }
    return condition;
  };
  const latest = new Map<StoredVariable, Set<Flag>>();
  for (const measurement of result.measurements) {
    latest.set(measurement.variable, new Set(measurement.flags));
    for (const flag of measurement.flags) {
      const alerting = ALERTING[flag];
      if (!alerting) continue;
      const condition = touch(
        measurement.variable,
        alerting.rule,
        alerting.severity,
        `${flag} on ${measurement.variable}`,
      );
      condition.count += 1;
      condition.firstAt ??= measurement.measuredAt;
      condition.lastAt = measurement.measuredAt;
    }
  }
  // Every rule a variable could raise is cleared when its newest reading does not carry it.
  for (const [variable, flags] of latest) {
    for (const [flag, alerting] of Object.entries(ALERTING) as [Flag, { rule: string; severity: Severity }][]) {
      touch(variable, alerting.rule, alerting.severity, `${flag} on ${variable}`).active = flags.has(flag);
    }
  }
  const hours = new Map<AlertCondition, string[]>();
  for (const finding of result.findings) {
    const condition = touch(finding.variable, finding.rule, 'warning', finding.message);
    if (finding.violated) {
      condition.count += 1;
      condition.firstAt ??= finding.at;
      condition.lastAt = finding.at;
      condition.message = finding.message;
      hours.set(condition, [...(hours.get(condition) ?? []), finding.at]);
    }
    condition.active = finding.violated;
  }
  // The alert names the hours this batch found (UTC clock hours); the open alert's first/last span them all.
  for (const [condition, at] of hours) condition.message = `${condition.message} (${hourList(at)})`;
  return [...conditions.values()];
}

/**
 * The conditions of a recomputation that took in late readings: counted only over what this poll
 * brought (`isNew` measurements, the hours that end after `since`), so readings already alerted on are
 * not counted again; whether each condition still holds comes from the newest readings, as usual.
 */
export function alertConditionsOfRecompute(
  recomputed: ProcessResult,
  isNew: (measurement: ProcessResult['measurements'][number]) => boolean,
  since: string,
): AlertCondition[] {
  const sinceMs = Date.parse(since);
  const raised = new Map(
    alertConditions({
      ...recomputed,
      measurements: recomputed.measurements.filter(isNew),
      findings: recomputed.findings.filter((finding) => Date.parse(finding.at) + HOUR > sinceMs),
    }).map((condition) => [`${condition.variable}/${condition.rule}`, condition]),
  );
  return alertConditions(recomputed).map((condition) => {
    const counted = raised.get(`${condition.variable}/${condition.rule}`);
    return {
      ...condition,
      count: counted?.count ?? 0,
      firstAt: counted?.firstAt ?? null,
      lastAt: counted?.lastAt ?? null,
      message: counted?.message ?? condition.message,
    };
  });
}
