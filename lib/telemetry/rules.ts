import { VARIABLES, type PointConfig, type StoredVariable, type Variable } from './config';
import { qualityOf, type Flag } from './quality';
import { applyTotalizer, type TotalState } from './totalizer';
import { closeWindow, updateWindow, type HourWindow, type WindowFinding } from './window';

/**
 * The processing rules of one point, as a pure function over the point's previous state and its
 * new raw readings. Feeding the same readings in one batch or in many gives the same measurements
 * and the same final state: that is what makes cycles resumable and reprocessing reproducible.
 */

/** A reading as every provider adapter returns it. */
export interface RawReading {
  variable: string;
  value: number;
  unit?: string;
  /** UTC instant, ISO 8601. */
  measuredAt: string;
  raw: unknown;
}

export interface PointState {
  total: TotalState;
  window?: HourWindow;
}

export const EMPTY_POINT_STATE: PointState = { total: { offset: 0 } };

export interface Measurement {
  variable: StoredVariable;
  measuredAt: string;
  /** Null when the rules rejected the reading. */
  value: number | null;
  rawValue: unknown;
  quality: number;
  flags: Flag[];
}

export interface ProcessResult {
  measurements: Measurement[];
  findings: WindowFinding[];
  state: PointState;
}

const ORDER: Record<Variable, number> = { total: 0, flow: 1, level: 2 };
const isVariable = (name: string): name is Variable => (VARIABLES as readonly string[]).includes(name);

/** Oldest first; at one instant the total before flow and level, so the hour window sees it first. */
export function sortReadings(readings: readonly RawReading[]): RawReading[] {
  return readings
    .filter((reading) => isVariable(reading.variable))
    .sort(
      (a, b) =>
        Date.parse(a.measuredAt) - Date.parse(b.measuredAt) ||
        ORDER[a.variable as Variable] - ORDER[b.variable as Variable],
    );
}

const M3H_UNITS = new Set(['m3/h', 'm³/h', 'm3h']);

export function processReadings(
  previous: PointState,
  readings: readonly RawReading[],
  config: PointConfig,
): ProcessResult {
  let state: PointState = structuredClone(previous);
  const measurements: Measurement[] = [];
  const findings: WindowFinding[] = [];
  const push = (variable: StoredVariable, reading: RawReading, value: number | null, flags: Flag[]) =>
    measurements.push({
      variable,
      measuredAt: reading.measuredAt,
      value,
      rawValue: reading.raw,
      quality: qualityOf(value, flags),
      flags,
    });

  for (const reading of sortReadings(readings)) {
    const closed = closeWindow(state.window, reading.measuredAt, config);
    if (closed) {
      findings.push(...closed.findings);
      state = { ...state, window: closed.window };
    }
    const variable = reading.variable as Variable;
    if (variable === 'total') {
      const outcome = applyTotalizer(state.total, reading, config);
      state = { ...state, total: outcome.state };
      push('total', reading, outcome.value, outcome.flags);
      if (outcome.accepted && outcome.value !== null)
        state.window = updateWindow(state.window, reading.measuredAt, { total: outcome.value });
    } else if (variable === 'flow') {
      const { value, flags } = checkFlow(reading, config);
      push('flow', reading, value, flags);
      if (value !== null) state.window = updateWindow(state.window, reading.measuredAt, { flow: value });
    } else {
      const { value, flags } = checkLevel(reading.value, config);
      push('level', reading, value, flags);
      if (value !== null) state.window = updateWindow(state.window, reading.measuredAt, { level: value });
      const depth = depthOf(value, config);
      if (depth) push('depth', reading, depth.value, depth.flags);
    }
  }
  return { measurements, findings, state };
}

const isM3h = (unit: string | undefined) => unit !== undefined && M3H_UNITS.has(unit.toLowerCase());

/**
 * Range check; a flow in m³/h is converted to l/s: one the device labels m³/h, or every flow of a point
 * whose configuration says m³/h (the operator's fix for a device that sends m³/h under an l/s label).
 */
export function checkFlow(reading: RawReading, config: PointConfig): { value: number | null; flags: Flag[] } {
  const settings = config.variables.flow;
  const flags: Flag[] = [];
  let value = reading.value;
  if (isM3h(reading.unit) || isM3h(settings.unit)) {
    value = value / 3.6;
    flags.push('UNIT_CONVERTED');
  }
  if (value < settings.min || value > settings.max) return { value: null, flags: [...flags, 'OUT_OF_RANGE'] };
  if (settings.alertThreshold !== null && settings.alertThreshold !== undefined && value <= settings.alertThreshold)
    flags.push('FLOW_LOW');
  return { value, flags };
}

/** `LEVEL_MAX_RESET` above the reset threshold, range check, alert threshold. */
export function checkLevel(level: number, config: PointConfig): { value: number | null; flags: Flag[] } {
  const settings = config.variables.level;
  if (settings.resetThreshold !== null && settings.resetThreshold !== undefined && level > settings.resetThreshold)
    return { value: null, flags: ['LEVEL_MAX_RESET'] };
  if (level < settings.min || level > settings.max) return { value: null, flags: ['OUT_OF_RANGE'] };
  if (settings.alertThreshold !== null && settings.alertThreshold !== undefined && level > settings.alertThreshold)
    return { value: level, flags: ['LEVEL_HIGH'] };
  return { value: level, flags: [] };
}

/** Depth to water = installation depth − level; below 0 is impossible, so rejected. */
export function depthOf(level: number | null, config: PointConfig): { value: number | null; flags: Flag[] } | null {
  if (config.installationDepth === null || config.installationDepth === undefined) return null;
  if (level === null) return { value: null, flags: ['OUT_OF_RANGE'] };
  const depth = config.installationDepth - level;
  return depth < 0 ? { value: null, flags: ['OUT_OF_RANGE'] } : { value: depth, flags: [] };
}
