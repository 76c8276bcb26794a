import { regulatorDate, regulatorMinute, regulatorTime } from './calendar';
import type { Source, Standard, WorkKind } from './standards';
import { centimetres, totalizerString, twoDecimals } from './values';

/**
 * A slot's payload, built from the point's measurements at the slot time (without the DGA's
 * `autenticacion` block: the activity adds it just before sending, so the ledger never holds it).
 *
 * Tolerance: each variable takes its stored measurement nearest to the slot time within
 * ±MEASUREMENT_TOLERANCE_MS (ties: the earlier). A reading exactly at the slot time is final at once;
 * otherwise the slot waits until the tolerance has passed, so a closer reading still on its way
 * (a 5- or 60-minute poll) is not overtaken. Totals are the TOTAL variable's totalizer value
 * (telemetry already carried counter resets into it), never a sum of flows.
 */
export const MEASUREMENT_TOLERANCE_MS = 10 * 60_000;

export type TelemetryVariable = 'flow' | 'total' | 'level';

export interface Reading {
  variable: TelemetryVariable;
  /** ISO instant. */
  measuredAt: string;
  value: number;
  /** The measurement's flags; a flow flagged FLOW_TOTAL_CONSISTENCY is not sent (telemetry's unit check). */
  flags?: readonly string[];
}

export interface SlotTarget {
  source: Source;
  standard: Standard;
  /** DGA only. */
  workKind?: WorkKind | null;
  /** SMA only: the device and the parameters it reports in one call. */
  sma?: { dispositivoId: string; parameters: readonly string[] } | null;
}

export type BuiltPayload =
  | { status: 'ready'; payload: Record<string, unknown> | unknown[] }
  | { status: 'waits'; reason: string; /** ISO: when building again may help. */ recheckAt?: string };

/** The DGA's path and body key per kind of work. */
export const DGA_KINDS: Record<WorkKind, { path: string; key: string }> = {
  SUBTERRANEA: { path: '/api/v1/mediciones/subterraneas', key: 'medicionSubterranea' },
  SUPERFICIAL_FLUJOMETRO: { path: '/api/v1/mediciones/superficiales/flujometro', key: 'medicionSuperficialFlujometro' },
  SUPERFICIAL: { path: '/api/v1/mediciones/superficiales', key: 'medicionSuperficial' },
};

/** The SMA parameters we know how to fill: name → telemetry variable, unit and format. */
export const SMA_PARAMETERS: Record<string, { variable: TelemetryVariable; unit: string; format(v: number): string }> =
  {
    Q: { variable: 'flow', unit: 'l/s', format: twoDecimals },
    VA: { variable: 'total', unit: 'm3', format: (v) => Math.round(v).toFixed(0) },
    NF: { variable: 'level', unit: 'm', format: twoDecimals },
  };

const REQUIRED: Record<WorkKind, TelemetryVariable[]> = {
  SUBTERRANEA: ['flow', 'total', 'level'],
  SUPERFICIAL_FLUJOMETRO: ['flow', 'total'],
  SUPERFICIAL: ['flow', 'level'],
};

/** The reading of `variable` nearest to `slot` within the tolerance (ties: the earlier). */
export function nearestReading(readings: readonly Reading[], variable: TelemetryVariable, slot: Date) {
  let best: { reading: Reading; distance: number } | undefined;
  for (const reading of readings) {
    if (reading.variable !== variable || !Number.isFinite(reading.value)) continue;
    const offset = Date.parse(reading.measuredAt) - slot.getTime();
    const distance = Math.abs(offset);
    if (distance > MEASUREMENT_TOLERANCE_MS) continue;
    if (!best || distance < best.distance || (distance === best.distance && offset < 0)) best = { reading, distance };
  }
  return best;
}

export function buildSlotPayload(
  target: SlotTarget,
  slot: Date,
  readings: readonly Reading[],
  now: Date,
): BuiltPayload {
  const variables =
    target.source === 'DGA'
      ? REQUIRED[target.workKind ?? 'SUBTERRANEA']
      : (target.sma?.parameters ?? []).map((name) => SMA_PARAMETERS[name]?.variable);
  if (variables.some((v) => v === undefined))
    return { status: 'waits', reason: `unknown SMA parameter in ${(target.sma?.parameters ?? []).join(',')}` };
  const settledAt = new Date(slot.getTime() + MEASUREMENT_TOLERANCE_MS);
  const settled = now.getTime() >= settledAt.getTime();
  const values: Partial<Record<TelemetryVariable, number>> = {};
  for (const variable of variables as TelemetryVariable[]) {
    const found = nearestReading(readings, variable, slot);
    if (!found) {
      return settled
        ? { status: 'waits', reason: `no ${variable} measurement within ±10 min of the slot` }
        : { status: 'waits', reason: `waiting for the ${variable} measurement`, recheckAt: settledAt.toISOString() };
    }
    // A closer reading may still arrive until the tolerance has passed.
    if (found.distance > 0 && !settled)
      return { status: 'waits', reason: `waiting for the ${variable} measurement`, recheckAt: settledAt.toISOString() };
    if (found.reading.flags?.includes('FLOW_TOTAL_CONSISTENCY'))
      return {
        status: 'waits',
        reason: `the ${variable} at ${found.reading.measuredAt} is flagged FLOW_TOTAL_CONSISTENCY (flow and total disagree that hour, e.g. m³/h reported as l/s): fix the point's flow unit and reprocess it, or accept the hour`,
      };
    values[variable] = found.reading.value;
  }
  return target.source === 'DGA'
    ? dgaPayload(target.workKind ?? 'SUBTERRANEA', slot, values)
    : smaPayload(target.sma!, slot, values);
}

function dgaPayload(kind: WorkKind, slot: Date, v: Partial<Record<TelemetryVariable, number>>): BuiltPayload {
  const when = { fechaMedicion: regulatorDate(slot), horaMedicion: regulatorTime(slot) };
  if (v.flow !== undefined && v.flow < 0) return { status: 'waits', reason: `negative flow ${v.flow} l/s` };
  const caudal = twoDecimals(v.flow ?? 0);
  let totalizador: string | undefined;
  if (kind !== 'SUPERFICIAL') {
    totalizador = v.total !== undefined && v.total >= 0 ? totalizerString(v.total) : undefined;
    if (totalizador === undefined)
      return { status: 'waits', reason: `totalizer ${v.total} is not an integer of at most 15 characters` };
  }
  const body =
    kind === 'SUBTERRANEA'
      ? { caudal, ...when, nivelFreaticoDelPozo: twoDecimals(v.level!), totalizador }
      : kind === 'SUPERFICIAL_FLUJOMETRO'
        ? { caudal, ...when, totalizador }
        : { alturaLimnimetrica: centimetres(v.level!), caudal, ...when };
  return { status: 'ready', payload: { [DGA_KINDS[kind].key]: body } };
}

function smaPayload(
  sma: NonNullable<SlotTarget['sma']>,
  slot: Date,
  v: Partial<Record<TelemetryVariable, number>>,
): BuiltPayload {
  const estampaTiempo = regulatorMinute(slot);
  const parametros = sma.parameters.map((nombre) => {
    const parameter = SMA_PARAMETERS[nombre]!;
    return { nombre, valor: parameter.format(v[parameter.variable]!), unidad: parameter.unit, estampaTiempo };
  });
  return { status: 'ready', payload: [{ dispositivoId: sma.dispositivoId, parametros }] };
}
