import type { PointConfig } from './config';
import { qualityOf } from './quality';
import type { Measurement } from './rules';

/**
 * The hourly consistency rules: `FLOW_TOTAL_CONSISTENCY` (over an hour, Δm³ ≈ mean
 * l/s × 3.6 × hours; a ratio near 3.6 is the classic m³/h reported as l/s) and
 * `LEVEL_ACCUMULATED_CONSISTENCY` (the level falls a lot while the total does not move). Windows are
 * clock hours of the readings' own times, so the result does not depend on how cycles cut them.
 */

export interface HourWindow {
  /** Start of the clock hour, epoch ms. */
  hour: number;
  firstTotal?: { at: number; value: number };
  lastTotal?: { at: number; value: number };
  flowSum: number;
  flowCount: number;
  levelMin?: number;
  levelMax?: number;
  /** The largest fall of the level within the hour (from an earlier, higher reading); absent in windows of older versions. */
  levelDrop?: number;
}

export type WindowRule = 'FLOW_TOTAL_CONSISTENCY' | 'LEVEL_ACCUMULATED_CONSISTENCY';

export interface WindowFinding {
  rule: WindowRule;
  variable: 'flow' | 'level';
  /** The hour evaluated (ISO). */
  at: string;
  violated: boolean;
  message: string;
}

const HOUR = 3_600_000;
const hourOf = (iso: string) => Math.floor(Date.parse(iso) / HOUR) * HOUR;

export function updateWindow(
  window: HourWindow | undefined,
  measuredAt: string,
  value: { total?: number; flow?: number; level?: number },
): HourWindow {
  const at = Date.parse(measuredAt);
  const next: HourWindow =
    window && window.hour === hourOf(measuredAt)
      ? { ...window }
      : { hour: hourOf(measuredAt), flowSum: 0, flowCount: 0 };
  if (value.total !== undefined) {
    next.firstTotal ??= { at, value: value.total };
    next.lastTotal = { at, value: value.total };
  }
  if (value.flow !== undefined) {
    next.flowSum += value.flow;
    next.flowCount += 1;
  }
  if (value.level !== undefined) {
    next.levelDrop = Math.max(next.levelDrop ?? 0, (next.levelMax ?? value.level) - value.level);
    next.levelMin = Math.min(next.levelMin ?? value.level, value.level);
    next.levelMax = Math.max(next.levelMax ?? value.level, value.level);
  }
  return next;
}

/** When a reading belongs to a later hour than the open window: evaluate that window, and drop it. */
export function closeWindow(
  window: HourWindow | undefined,
  measuredAt: string,
  config: PointConfig,
): { findings: WindowFinding[]; window: undefined } | null {
  if (!window || hourOf(measuredAt) <= window.hour) return null;
  return { findings: evaluateWindow(window, config), window: undefined };
}

export function evaluateWindow(window: HourWindow, config: PointConfig): WindowFinding[] {
  const at = new Date(window.hour).toISOString();
  const findings: WindowFinding[] = [];
  const { firstTotal, lastTotal } = window;
  // Half an hour of totals and a few flows at least; otherwise there is nothing to compare.
  if (!firstTotal || !lastTotal || lastTotal.at - firstTotal.at < HOUR / 2) return findings;
  const hours = (lastTotal.at - firstTotal.at) / HOUR;
  const actual = lastTotal.value - firstTotal.value;
  if (window.flowCount >= 3) {
    const expected = (window.flowSum / window.flowCount) * 3.6 * hours;
    const largest = Math.max(expected, actual);
    if (largest >= 1) {
      const ratio = actual > 0 ? expected / actual : Infinity;
      const unitError = ratio >= 3.0 && ratio <= 4.3;
      const violated = unitError || Math.abs(expected - actual) > config.flowTotalTolerance * largest;
      findings.push({
        rule: 'FLOW_TOTAL_CONSISTENCY',
        variable: 'flow',
        at,
        violated,
        message: unitError
          ? `flow × 3.6 gives ${expected.toFixed(1)} m³ for a total increase of ${actual.toFixed(1)} m³: flow looks like m³/h reported as l/s`
          : `flow gives ${expected.toFixed(1)} m³, total increased ${actual.toFixed(1)} m³`,
      });
    }
  }
  if (window.levelMin !== undefined && window.levelMax !== undefined) {
    // A level rising while nothing is extracted is a well recovering after the pump stopped: physics. A
    // level falling that far with no extraction is not (a sensor fault, or water taken unmetered).
    const drop = window.levelDrop ?? 0;
    findings.push({
      rule: 'LEVEL_ACCUMULATED_CONSISTENCY',
      variable: 'level',
      at,
      violated: drop > config.levelChangeThreshold && actual <= 0,
      message: `level fell ${drop.toFixed(2)} m while the total increased ${actual.toFixed(1)} m³`,
    });
  }
  return findings;
}

/** The hours (ISO starts) whose flow disagreed with the total. */
export function inconsistentFlowHours(findings: readonly WindowFinding[]): string[] {
  return findings.filter((f) => f.rule === 'FLOW_TOTAL_CONSISTENCY' && f.violated).map((f) => f.at);
}

/**
 * Flags the flows of the inconsistent hours (`FLOW_TOTAL_CONSISTENCY`, quality lowered), as the store
 * does to the stored rows once an hour closes: an hour is judged only after its readings were emitted,
 * often by an earlier poll.
 */
export function flagInconsistentFlows(measurements: readonly Measurement[], hours: readonly string[]): Measurement[] {
  const flagged = new Set(hours.map((hour) => Date.parse(hour)));
  return measurements.map((m) => {
    if (m.variable !== 'flow' || m.value === null || !flagged.has(hourOf(m.measuredAt))) return m;
    const flags = [...m.flags, 'FLOW_TOTAL_CONSISTENCY' as const];
    return { ...m, flags, quality: qualityOf(m.value, flags) };
  });
}
